import { describe, expect, it } from "vitest";
import { keyAction } from "../../src/app/keyboard.ts";

describe("timeline keys", () => {
  it("maps ←, →, space, Home, End on the page", () => {
    expect(keyAction({ key: "ArrowRight", targetTag: "body" })).toEqual({ kind: "step", delta: 1 });
    expect(keyAction({ key: "ArrowLeft", targetTag: "body" })).toEqual({ kind: "step", delta: -1 });
    expect(keyAction({ key: " ", targetTag: "body" })).toEqual({ kind: "toggle-play" });
    expect(keyAction({ key: "Home", targetTag: "div" })).toEqual({ kind: "first" });
    expect(keyAction({ key: "End", targetTag: "svg" })).toEqual({ kind: "last" });
  });

  it("Shift+arrows jump ten steps", () => {
    expect(keyAction({ key: "ArrowRight", shiftKey: true })).toEqual({ kind: "step", delta: 10 });
    expect(keyAction({ key: "ArrowLeft", shiftKey: true })).toEqual({ kind: "step", delta: -10 });
  });

  it("leaves typing alone: the editor, text fields, selects", () => {
    for (const key of ["ArrowRight", "ArrowLeft", " ", "Home", "End"]) {
      expect(keyAction({ key, targetTag: "div", targetEditable: true })).toBeNull();
      expect(keyAction({ key, targetTag: "input", targetType: "text" })).toBeNull();
      expect(keyAction({ key, targetTag: "textarea" })).toBeNull();
      expect(keyAction({ key, targetTag: "select" })).toBeNull();
    }
  });

  it("leaves browser and OS shortcuts alone", () => {
    expect(keyAction({ key: "ArrowLeft", altKey: true })).toBeNull();
    expect(keyAction({ key: "ArrowRight", metaKey: true })).toBeNull();
    expect(keyAction({ key: "Home", ctrlKey: true })).toBeNull();
  });

  it("lets a focused slider move itself, but space still plays", () => {
    expect(keyAction({ key: "ArrowRight", targetTag: "input", targetType: "range" })).toBeNull();
    expect(keyAction({ key: " ", targetTag: "input", targetType: "range" })).toEqual({ kind: "toggle-play" });
  });

  it("space on a focused button activates the button only", () => {
    expect(keyAction({ key: " ", targetTag: "button" })).toBeNull();
    expect(keyAction({ key: "ArrowRight", targetTag: "button" })).toEqual({ kind: "step", delta: 1 });
  });

  it("Escape always reaches the page (closes menus), even from the editor", () => {
    expect(keyAction({ key: "Escape", targetEditable: true })).toEqual({ kind: "escape" });
  });

  it("ignores other keys", () => {
    expect(keyAction({ key: "a" })).toBeNull();
    expect(keyAction({ key: "Enter" })).toBeNull();
  });
});
