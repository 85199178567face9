/**
 * Module resolution hooks for the API reference: TypeDoc imports "typescript"
 * and needs its compiler API, which TypeScript 7's package no longer ships. Its
 * imports of "typescript" go to TypeScript 6, installed under the alias
 * "typescript-6" for this alone; everything else keeps TypeScript 7.
 */
export async function resolve(specifier, context, next) {
  if (specifier === "typescript" && context.parentURL?.includes("/node_modules/typedoc/")) {
    return next("typescript-6", context);
  }
  return next(specifier, context);
}
