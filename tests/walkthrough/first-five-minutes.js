// The README's "first five minutes", as a newcomer meets them: on a fresh clone of this
// repository's HEAD, `./run.sh` until it prints that it is ready, then every command of the
// README's walkthrough block, verbatim, each answer checked (titles, a model version, at least
// three mixes). Then what run.sh promises around it: SIGTERM and SIGINT to its PID stop
// everything it started, `--urls` is honoured by the demo, a busy port and a malformed
// local.settings.json are one line and exit code 2.
//
// Needs 127.0.0.1:7071 and 10000-10002 free (the README's addresses). Run by ./test.sh; alone:
//   node tests/walkthrough/first-five-minutes.js
"use strict";
const { spawn, spawnSync, execFileSync } = require("child_process");
const fs = require("fs");
const net = require("net");
const os = require("os");
const path = require("path");

const repo = path.resolve(__dirname, "..", "..");
const readyTimeoutMs = 15 * 60 * 1000;
const failures = [];
const started = Date.now();

function log(message) {
  process.stdout.write(`[walkthrough +${Math.round((Date.now() - started) / 1000)}s] ${message}\n`);
}

function check(condition, what) {
  if (condition) {
    log(`ok   ${what}`);
  } else {
    log(`FAIL ${what}`);
    failures.push(what);
  }
}

function portOpen(port) {
  return new Promise(resolve => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => { socket.destroy(); resolve(true); });
    socket.on("error", () => resolve(false));
  });
}

// What run.sh starts (Azurite, the self-host, the traffic generator) still running in the clone.
// Build servers that `dotnet build` leaves behind are not run.sh's to stop.
function processesOf(folder) {
  const found = [];
  for (const pid of fs.readdirSync("/proc").filter(p => /^\d+$/.test(p))) {
    try {
      if (!fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(folder)) continue;
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      if (/azurite|Resso\.Functions\.SelfHost|Resso\.Traffic|run\.sh/.test(args)) found.push(`${pid} ${args.trim()}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

// The environment of a newcomer's shell: none of the variables that change what run.sh does.
function newcomerEnv() {
  const env = { ...process.env };
  for (const name of ["ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "AzureWebJobsStorage", "RESSO_DEMO_EVENTS", "Resso__Api__Keys"]) delete env[name];
  return env;
}

// Starts run.sh; its output goes to a log file next to the clone.
function startRun(clone, args, logName) {
  const logFile = path.join(clone, "..", logName);
  const out = fs.openSync(logFile, "w");
  // Spawned from node, run.sh starts with default signal dispositions, as from a terminal.
  const child = spawn("./run.sh", args, { cwd: clone, env: newcomerEnv(), stdio: ["ignore", out, out] });
  const exited = new Promise(resolve => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, logFile, exited, text: () => fs.readFileSync(logFile, "utf8") };
}

async function waitFor(run, pattern, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let done = false;
  run.exited.then(() => { done = true; });
  while (Date.now() < deadline) {
    if (pattern.test(run.text())) return true;
    if (done) return pattern.test(run.text());
    await new Promise(r => setTimeout(r, 500));
  }
  return false;
}

async function stopWith(run, signal, clone, what) {
  const sent = Date.now();
  run.child.kill(signal);
  const result = await Promise.race([run.exited, new Promise(r => setTimeout(() => r(null), 30000))]);
  check(result !== null, `${what}: run.sh exits within 30 s of ${signal} to its PID (${Date.now() - sent} ms)`);
  await new Promise(r => setTimeout(r, 500));
  const left = processesOf(clone);
  check(left.length === 0, `${what}: nothing it started is left running${left.length ? `: ${left.join(" | ")}` : ""}`);
  if (result === null) run.child.kill("SIGKILL");
}

// The README's walkthrough: the fenced bash block after the "first five minutes" marker.
function walkthroughCommands(readme) {
  const marker = readme.indexOf("<!-- first-five-minutes -->");
  if (marker < 0) throw new Error("README.md has no <!-- first-five-minutes --> block");
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(marker));
  return block[1].split("\n").filter(line => line.trim() && !line.trim().startsWith("#"));
}

// Runs the commands in one bash, as a person pastes them (variables carry over), with a marker
// line before each so that every command's answer can be told apart.
function runCommands(commands, cwd) {
  const script = commands.map((c, i) => `printf '\\n@@@ ${i}\\n'\n${c}`).join("\n") + "\n";
  const out = execFileSync("bash", ["-c", script], { cwd, encoding: "utf8", timeout: 120000 });
  const answers = [];
  out.split(/\n@@@ (\d+)\n/).forEach((part, i, parts) => { if (i % 2 === 1) answers[Number(part)] = parts[i + 1] ?? ""; });
  return answers;
}

function json(text) {
  try { return JSON.parse(text); } catch { return undefined; }
}

const titled = items => Array.isArray(items) && items.length > 0 && items.every(i => typeof i.title === "string" && i.title.length > 0);

// What each kind of answer must show a newcomer.
function checkAnswer(command, answer) {
  const body = json(answer.trim());
  const route = /\/api\/[^'" ?]*/.exec(command)?.[0] ?? command;
  const what = `${route}`;
  if (/\/dev\/token/.test(command)) return;
  if (body === undefined) { check(false, `${what} answers JSON (got: ${answer.slice(0, 200)})`); return; }
  if (/\/health$/.test(route)) check(body.status === "healthy", `${what}: healthy`);
  else if (/\/model$/.test(route)) check(typeof body.current?.version === "string" || typeof body.version === "string", `${what}: a published model version`);
  else if (/\/trending$/.test(route)) check(titled(body.items), `${what}: items with titles`);
  else if (/\/similar$/.test(route)) check(titled(body.items), `${what}: items with titles`);
  else if (/\/recommendations$/.test(route)) {
    check(titled(body.items), `${what}: items with titles`);
    check(typeof body.modelVersion === "string" && body.personalized === true, `${what}: personalized by model ${body.modelVersion}`);
  } else if (/\/mixes$/.test(route)) {
    check(Array.isArray(body.mixes) && body.mixes.length >= 3, `${what}: at least 3 mixes (${body.mixes?.length})`);
    check(typeof body.modelVersion === "string", `${what}: a model version`);
    check(Array.isArray(body.mixes) && body.mixes.every(m => titled(m.tracks) && !/\b[su]_\d{6}\b/.test(m.title)), `${what}: every mix titled by names, tracks with titles`);
  } else if (/\/offer$/.test(route)) check(typeof body.links === "object" || typeof body.offerId === "string", `${what}: an offer`);
  else if (/\/songs\/[^/]+$/.test(route)) check(typeof body.details?.title === "string" || typeof body.title === "string", `${what}: the song's title`);
  else if (/\/history$/.test(route)) check(titled(body.items), `${what}: events with titles`);
  else check(true, `${what}: JSON`);
}

async function main() {
  for (const port of [7071, 10000, 10001, 10002]) {
    if (await portOpen(port)) throw new Error(`127.0.0.1:${port} is in use; the walkthrough needs the README's addresses (stop ./run.sh or Azurite first)`);
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), "resso-walkthrough-"));
  const clone = path.join(work, "resso");
  try {
    log(`cloning ${repo} (HEAD) into ${clone}`);
    execFileSync("git", ["clone", "-q", repo, clone]);
    const readme = fs.readFileSync(path.join(clone, "README.md"), "utf8");
    const commands = walkthroughCommands(readme);

    // 1. ./run.sh until it is ready, then the walkthrough.
    const first = startRun(clone, [], "run-1.log");
    const ready = await waitFor(first, /Resso is ready/, readyTimeoutMs);
    check(ready, `./run.sh prints that it is ready (log: ${first.logFile})`);
    if (!ready) { process.stdout.write(first.text().slice(-4000)); await stopWith(first, "SIGTERM", clone, "not ready"); return; }
    const block = first.text().slice(first.text().indexOf("Resso is ready"));
    check(/http:\/\/127\.0\.0\.1:7071\/\s/.test(block) && (block.match(/curl /g) ?? []).length >= 5, "the ready block has the landing page and five requests");
    const dashboard = (block.match(/ dashboard +(http:\/\/\S+)/) ?? [])[1];
    const dashboardStatus = dashboard ? execFileSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", dashboard]).toString() : "none";
    check(dashboardStatus === "200", `the ready block's dashboard answers 200 (${dashboard}: ${dashboardStatus})`);
    const answers = runCommands(commands, clone);
    commands.forEach((command, i) => checkAnswer(command, answers[i] ?? ""));
    check(commands.length >= 5, `the walkthrough has at least five commands (${commands.length})`);

    // Azurite logs errors only: its log stays small under the demo's traffic (it was hundreds of MB with --debug).
    const azuriteLog = path.join(clone, ".azurite", "azurite.log");
    const logBytes = fs.existsSync(azuriteLog) ? fs.statSync(azuriteLog).size : 0;
    check(logBytes < 100 * 1024, `.azurite/azurite.log stays small after seeding (${logBytes} bytes)`);

    // 2. A second ./run.sh while the first runs: the busy port in one line.
    const busy = spawnSync("./run.sh", [], { cwd: clone, env: newcomerEnv(), encoding: "utf8", timeout: 60000 });
    const busyLines = (busy.stderr + busy.stdout).trim().split("\n");
    check(busy.status === 2 && busyLines.length === 1 && /7071 is already in use.*--urls/.test(busyLines[0]), `a busy port is one line and exit code 2: ${busyLines.join(" | ")}`);

    await stopWith(first, "SIGTERM", clone, "SIGTERM");

    // 3. --urls: the demo (storage already seeded) reports ready on that address; then SIGINT.
    const second = startRun(clone, ["--urls", "http://127.0.0.1:7391"], "run-2.log");
    check(await waitFor(second, /Resso is ready: http:\/\/127\.0\.0\.1:7391/, 5 * 60 * 1000), "./run.sh --urls http://127.0.0.1:7391: ready on that address");
    await stopWith(second, "SIGINT", clone, "SIGINT");

    // 4. A malformed local.settings.json: one line naming the file, line and column.
    fs.writeFileSync(path.join(clone, "local.settings.json"), '{\n  "IsEncrypted": false,\n  "Values": {\n    "AzureWebJobsStorage": "UseDevelopmentStorage=true"\n    "Resso__Api__Keys": "local-dev-key"\n  }\n}\n');
    const bad = spawnSync("./run.sh", [], { cwd: clone, env: newcomerEnv(), encoding: "utf8", timeout: 60000 });
    const badLines = (bad.stderr + bad.stdout).trim().split("\n");
    check(bad.status === 2 && badLines.length === 1 && /^local\.settings\.json:5:5: /.test(badLines[0]), `a malformed local.settings.json is one line with file:line:column and exit code 2: ${badLines.join(" | ")}`);
  } finally {
    for (const line of processesOf(clone)) {
      try { process.kill(Number(line.trim().split(/\s+/)[0]), "SIGKILL"); } catch { /* gone */ }
    }
    if (failures.length === 0) fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => {
    if (failures.length > 0) {
      log(`${failures.length} check(s) failed`);
      process.exit(1);
    }
    log("all checks passed");
  },
  error => { log(`error: ${error.message}`); process.exit(1); });
