/** Modules the playground's build makes (playground/build.mjs). */

/** A `.tfm` file, imported as its text (esbuild's `text` loader). */
declare module '*.tfm' {
  const text: string;
  export default text;
}

/** The standard library, `src/std/*.tfm`, by file name. */
declare module 'tfmc:std' {
  const files: { name: string; text: string }[];
  export default files;
}
