// A resolve hook for tfjs-core's ESM build (dist/*.js), which uses bundler-style specifiers: no
// file extension, and './gradients' meaning gradients.js beside a gradients/ directory.
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const fromTfjs = context.parentURL?.includes("/@tensorflow/tfjs-core/dist/");
    if (!fromTfjs || !specifier.startsWith(".")) throw err;
    if (err?.code !== "ERR_UNSUPPORTED_DIR_IMPORT" && err?.code !== "ERR_MODULE_NOT_FOUND") throw err;
    return nextResolve(`${specifier}.js`, context);
  }
}
