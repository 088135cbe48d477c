/** Which scopes of the graph are folded into one box, and how a click changes that. */

/** Which scopes are folded: "auto" (the layout decides by size) plus the ones the user opened, or an explicit list. */
export type Collapse =
  { mode: "auto"; expanded: readonly string[] } | { mode: "explicit"; collapsed: readonly string[] };

export const AUTO: Collapse = { mode: "auto", expanded: [] };

export function collapseKey(c: Collapse): string {
  return c.mode === "auto"
    ? `auto:${[...c.expanded].sort().join(",")}`
    : `explicit:${[...c.collapsed].sort().join(",")}`;
}

/** The collapse state after the user folds (`collapse`) or opens a scope, given the scopes the current layout folded. */
export function toggleScope(
  c: Collapse,
  scopeId: string,
  collapse: boolean,
  currentlyCollapsed: readonly string[],
): Collapse {
  if (collapse) {
    const set = new Set(c.mode === "explicit" ? c.collapsed : currentlyCollapsed);
    set.add(scopeId);
    return { mode: "explicit", collapsed: [...set] };
  }
  if (c.mode === "auto") return { mode: "auto", expanded: [...new Set([...c.expanded, scopeId])] };
  return { mode: "explicit", collapsed: c.collapsed.filter((s) => s !== scopeId) };
}
