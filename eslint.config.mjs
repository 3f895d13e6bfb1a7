// `npm run lint`: ESLint's and typescript-eslint's recommended rules over every TypeScript file.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".tools/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_`-prefixed names are deliberately unused (destructuring a secret out, callback shapes).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Control characters are matched on purpose: check() refuses them and progress lines escape them.
      "no-control-regex": "off",
      // Tests match the CLI's column-aligned output as it is printed.
      "no-regex-spaces": "off",
      // Lazy require()s are deliberate: the serialized dynamic provider must load modules at run time
      // in the provider host, and optional modules are loaded only when a feature is used.
      "@typescript-eslint/no-require-imports": "off",
      // A variable a callback reads before the one assignment that sets it stays `let`.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { require: "readonly", module: "writable", process: "readonly", __dirname: "readonly", console: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
