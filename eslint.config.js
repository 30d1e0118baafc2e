// ESLint's recommended rules over every script the browser loads (static/js), this file
// and the unit tests (tests/js). `make lint` runs it; static/vendor is not ours to lint.
import js from "@eslint/js";
import globals from "globals";

// The scripts that load as classic <script>s: common.js defines window.Cafe for the rest
// (templates/_live.html); the memo's and the review link's small scripts need no module.
// Every other file under static/js is an ES module.
const CLASSIC = ["static/js/common.js", "static/js/minutes.js", "static/js/review.js"];

export default [
  { ignores: ["static/vendor/**", "node_modules/**", ".venv/**", "bench/**"] },
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      // `io` is the vendored Socket.IO client's global (static/vendor/socket.io.min.js).
      globals: { ...globals.browser, io: "readonly" },
    },
  },
  { files: CLASSIC, languageOptions: { sourceType: "script" } },
  {
    files: ["eslint.config.js", "tests/js/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
];
