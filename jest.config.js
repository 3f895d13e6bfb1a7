/** Type-checking is done once by `tsc` in `npm test`; jest only transpiles, which keeps it fast. */
module.exports = {
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  testEnvironment: "node",
  globalSetup: "<rootDir>/tests/setup/linkPackage.ts",
  // Examples import the package by name, as users' programs do: map it to the sources here.
  moduleNameMapper: { "^pulumi-applayering$": "<rootDir>/sdk/index.ts" },
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 120000,
  reporters: ["default", "<rootDir>/tests/setup/summaryReporter.js"],
  // Integration tests start real servers (vcsim, smbd, the ELM simulator): two workers fit 2 cores.
  maxWorkers: 2,
};
