// Reads settings as the self-host does, for run.sh: for each name on the command line, one line
// with its value from the environment, else local.settings.json's "Values", else (when there is no
// local.settings.json) local.settings.sample.json's. Like the self-host, it allows comments and
// trailing commas, and numbers and booleans as values. A file that is not valid JSON, or whose
// "Values" is not an object of such values, is one line on stderr naming the file, the line and the
// column, and exit code 2.
"use strict";
const fs = require("fs");

function fail(file, text, position, what) {
  let line = 1, column = 1;
  for (let i = 0; i < Math.min(position ?? 0, text.length); i++) {
    if (text[i] === "\n") { line++; column = 1; } else { column++; }
  }
  const where = position === undefined ? file : `${file}:${line}:${column}`;
  process.stderr.write(`${where}: ${what}\n`);
  process.exit(2);
}

// Calls visit(i) for each character of text outside strings.
function outsideStrings(text, visit) {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    if (inString) {
      if (text[i] === "\\") i++;
      else if (text[i] === '"') inString = false;
    } else if (text[i] === '"') {
      inString = true;
    } else {
      i = visit(i) ?? i;
    }
  }
}

// Blanks comments, then trailing commas, with spaces, so that positions stay those of the file.
function lenient(text) {
  const out = text.split("");
  outsideStrings(text, i => {
    if (text[i] !== "/" || (text[i + 1] !== "/" && text[i + 1] !== "*")) return;
    const end = text[i + 1] === "/" ? text.indexOf("\n", i) : text.indexOf("*/", i + 2) + 2;
    const stop = end <= 1 ? text.length : end;
    for (let j = i; j < stop; j++) if (text[j] !== "\n") out[j] = " ";
    return stop - 1;
  });
  const uncommented = out.join("");
  outsideStrings(uncommented, i => {
    if (uncommented[i] === "," && /^\s*[}\]]/.test(uncommented.slice(i + 1))) out[i] = " ";
  });
  return out.join("");
}

function values(file) {
  const text = fs.readFileSync(file, "utf8");
  let json;
  try {
    json = JSON.parse(lenient(text));
  } catch (e) {
    const at = /at position (\d+)/.exec(e.message);
    const what = e.message.replace(/ in JSON at position \d+.*$/, "").replace(/^Unexpected end of JSON input$/, "the file ends before the JSON does");
    fail(file, text, at ? Number(at[1]) : text.length, `not valid JSON: ${what}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    fail(file, text, undefined, 'must be a JSON object like {"IsEncrypted": false, "Values": {"Name": "value"}}');
  }
  const found = json.Values ?? {};
  if (found === null || typeof found !== "object" || Array.isArray(found)) {
    fail(file, text, text.indexOf('"Values"'), '"Values" must be an object of settings: {"Name": "value", …}');
  }
  for (const [name, value] of Object.entries(found)) {
    if (!["string", "number", "boolean"].includes(typeof value)) {
      fail(file, text, text.indexOf(JSON.stringify(name)), `the value of "${name}" must be a string`);
    }
  }
  return found;
}

const file = ["local.settings.json", "local.settings.sample.json"].find(f => fs.existsSync(f));
const settings = file ? values(file) : {};
for (const name of process.argv.slice(2)) {
  process.stdout.write(String(process.env[name] ?? settings[name] ?? "") + "\n");
}
