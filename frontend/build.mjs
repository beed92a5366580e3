// Builds assets/ (Django's STATICFILES_DIRS) from the npm packages and frontend/.
// Plain file copies: GOV.UK and MoJ Frontend ship compiled CSS and ES modules, so
// no bundler is needed. Their CSS points fonts and images at /assets/; we rewrite
// those to relative URLs so Django's hashed static storage can follow them.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "assets");
const nm = (...parts) => join(root, "node_modules", ...parts);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

function copy(from, to) {
  mkdirSync(dirname(join(out, to)), { recursive: true });
  cpSync(from, join(out, to), { recursive: true });
}

function css(from, to) {
  const text = readFileSync(from, "utf8")
    .replaceAll("url(/assets/", "url(assets/")
    .replace(/\/\*# sourceMappingURL=.*?\*\//g, "");
  mkdirSync(dirname(join(out, to)), { recursive: true });
  writeFileSync(join(out, to), text);
}

const govuk = nm("govuk-frontend", "dist", "govuk");
css(join(govuk, "govuk-frontend.min.css"), "govuk/govuk-frontend.min.css");
copy(join(govuk, "govuk-frontend.min.js"), "govuk/govuk-frontend.min.js");
copy(join(govuk, "assets"), "govuk/assets");

const moj = nm("@ministryofjustice", "frontend", "moj");
css(join(moj, "moj-frontend.min.css"), "moj/moj-frontend.min.css");
copy(join(moj, "moj-frontend.min.js"), "moj/moj-frontend.min.js");
copy(join(moj, "assets"), "moj/assets");

copy(nm("htmx.org", "dist", "htmx.min.js"), "htmx/htmx.min.js");

copy(join(root, "frontend", "css"), "rrcase/css");
copy(join(root, "frontend", "js"), "rrcase/js");

// The JS files are ES modules without their source maps; drop the dangling reference.
for (const file of ["govuk/govuk-frontend.min.js", "moj/moj-frontend.min.js"]) {
  const path = join(out, file);
  writeFileSync(path, readFileSync(path, "utf8").replace(/\/\/# sourceMappingURL=.*$/m, ""));
}

writeFileSync(join(out, ".built"), new Date().toISOString() + "\n");
console.log("assets/ built");
