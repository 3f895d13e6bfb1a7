// Programs and the dynamic-provider host resolve `pulumi-applayering` from node_modules, as they
// would with the package installed; in this repository that is a link to the repository itself.
const fs = require("node:fs");
const path = require("node:path");

module.exports = function linkPackage() {
  const root = path.resolve(__dirname, "..", "..");
  const link = path.join(root, "node_modules", "pulumi-applayering");
  try {
    if (fs.realpathSync(link) === root) return;
    fs.rmSync(link, { recursive: true, force: true });
  } catch {
    // no link yet
  }
  fs.symlinkSync(path.relative(path.dirname(link), root) || "..", link, "dir");
};
