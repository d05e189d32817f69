import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);

// ../../tmp/mx/probe.ts
import v8 from "node:v8";

// src-main/engine/runner/experiment.ts
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as join4 } from "node:path";
import { threadId as threadId2 } from "node:worker_threads";

// src-main/engine/actors/hosts.ts
import { fork } from "node:child_process";
import { Worker } from "node:worker_threads";

// src-main/engine/entry-paths.ts
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
var cachedRoot = null;
function findPackageRoot() {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (; ; ) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, "utf8"));
        if (parsed.name === "concurrency-lab") {
          cachedRoot = dir;
          return dir;
        }
      } catch {
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the Concurrency Lab package root (package.json named concurrency-lab)");
    dir = parent;
  }
}
function engineDir() {
  const override = process.env["CONLAB_ENGINE_DIR"];
  if (override) return override;
  return join(findPackageRoot(), "out", "engine").replace(/app\.asar([/\\])/, "app.asar.unpacked$1");
}
function entryPath(entry) {
  const file = join(engineDir(), `${entry}.mjs`);
  if (!existsSync(file)) {
    throw new Error(`engine bundle ${file} is missing: run "npm run build:engine" (npm install does it)`);
  }
  return file;
}
var cachedVersion = null;
function appVersion() {
  if (cachedVersion) return cachedVersion;
  try {
    const manifest = JSON.parse(readFileSync(join(findPackageRoot(), "package.json"), "utf8"));
    cachedVersion = manifest.version ?? "0.0.0";
  } catch {
    cachedVersion = "0.0.0";
  }
  return cachedVersion;
}

// src-main/engine/actors/hosts.ts
var threadHost = {
  mechanism: "worker_threads.Worker",
  start(init, onMessage, options) {
    const worker = new Worker(entryPath("actor-thread"), {
      workerData: init,
      resourceLimits: { maxOldGenerationSizeMb: options.memoryMb },
      stdout: true,
      stderr: false
    });
    let hostError = null;
    worker.on("message", onMessage);
    worker.on("error", (error) => {
      hostError = error.code === "ERR_WORKER_OUT_OF_MEMORY" ? `the thread exceeded its memory limit (${options.memoryMb} MB)` : error.message;
    });
    const exited = new Promise((resolve) => worker.once("exit", (code) => resolve({ code, signal: null, error: hostError })));
    let killing = null;
    return {
      pid: process.pid,
      post: (message) => worker.postMessage(message),
      kill: () => {
        killing ??= worker.terminate().then(() => void 0);
        return killing;
      },
      exited
    };
  }
};
var PROCESS_EXEC_ARGV = ["--no-concurrent-osr"];
function forkHost(mechanism = "child_process.fork") {
  return {
    mechanism,
    start(init, onMessage, options) {
      const child = fork(entryPath("actor-process"), [], {
        execArgv: [...PROCESS_EXEC_ARGV, `--max-old-space-size=${options.memoryMb}`],
        // Its own process group: the actor's own children go with it when the group is killed.
        detached: true,
        serialization: "json",
        stdio: ["ignore", "ignore", "pipe", "ipc"]
      });
      let stderr = "";
      child.stderr?.setEncoding("utf8").on("data", (chunk) => {
        stderr = (stderr + chunk).slice(-2e3);
      });
      child.on("message", (message) => onMessage(message));
      let spawnError = null;
      child.on("error", (error) => {
        spawnError = error.message;
      });
      const exited = new Promise((resolve) => {
        child.once("exit", (code, signal) => {
          const oom = /heap out of memory/i.test(stderr) ? `the process exceeded its memory limit (${options.memoryMb} MB)` : null;
          resolve({ code, signal, error: spawnError ?? oom ?? (code ? stderr.trim().split("\n").slice(-3).join(" ") || null : null) });
        });
      });
      child.send({ type: "init", init });
      let gone = false;
      void exited.then(() => {
        gone = true;
      });
      return {
        pid: child.pid ?? null,
        post: (message) => {
          if (child.connected) child.send(message);
        },
        kill: () => {
          if (!gone && child.pid) {
            try {
              process.kill(-child.pid, "SIGKILL");
            } catch {
              child.kill("SIGKILL");
            }
          }
          return exited.then(() => void 0);
        },
        exited
      };
    }
  };
}
var processHost = forkHost();
var nodeHosts = {
  thread: threadHost,
  process: processHost,
  utility: forkHost("child_process.fork (standing in for Electron utilityProcess)")
};
var UTILITY_SUBSTITUTION_REASON = "Electron utilityProcess exists only inside the Electron app; outside it the engine forks a child process instead";

// src-main/engine/trace/trace-event.ts
function decodeBatch(batch) {
  const rows = JSON.parse(batch.payload);
  return rows.map((row) => ({
    actor: batch.actor,
    seq: row[0],
    t: row[1],
    op: row[2],
    ph: row[3],
    ...row.length > 4 ? { data: row[4] } : {}
  }));
}
function decodeBatches(batches) {
  const events = [];
  for (const batch of batches) for (const event of decodeBatch(batch)) events.push(event);
  events.sort((a, b) => a.t - b.t || (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : a.seq - b.seq));
  return events;
}

// src-main/engine/claims/evaluate.ts
var Undecidable = class extends Error {
};
function claimText(claim) {
  return typeof claim.text === "string" ? { en: claim.text, zh: claim.text } : claim.text;
}
function format(value) {
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1);
  const text2 = JSON.stringify(value);
  return text2 === void 0 ? "nothing" : text2.length > 60 ? `${text2.slice(0, 57)}...` : text2;
}
function aggregate(values, agg, what) {
  if (agg === "count") return values.length;
  if (agg === "all") return values;
  if (agg === "distinct") return new Set(values.map((v2) => JSON.stringify(v2))).size;
  if (values.length === 0) throw new Undecidable(`${what} has no values`);
  if (agg === "first") return values[0];
  if (agg === "last") return values[values.length - 1];
  const numbers = values.map((v2) => {
    if (typeof v2 !== "number") throw new Undecidable(`${what} holds ${format(v2)}, not a number`);
    return v2;
  });
  if (agg === "min") return Math.min(...numbers);
  if (agg === "max") return Math.max(...numbers);
  return numbers.reduce((a, b) => a + b, 0);
}
var Evaluator = class {
  constructor(ctx) {
    this.ctx = ctx;
  }
  ctx;
  events = null;
  allEvents() {
    this.events ??= decodeBatches(this.ctx.batches);
    return this.events;
  }
  matchesActor(eventActor, wanted) {
    if (wanted === void 0) return true;
    if (eventActor === wanted) return true;
    const record = this.ctx.trial.actors.find((a) => a.name === eventActor);
    return record?.group === wanted;
  }
  describe(q) {
    if ("const" in q) return format(q.const);
    if ("metric" in q) return `metric ${q.metric}`;
    if ("record" in q) return `record ${q.record} (${q.agg ?? "last"}${q.actor ? ` of ${q.actor}` : ""})`;
    if ("shared" in q) return `final ${q.shared}${q.index === void 0 ? "" : `[${q.index}]`}`;
    if ("status" in q) return "run status";
    if ("actors" in q) return `${q.field} of ${q.actors} (${q.agg})`;
    if ("actor" in q) return `${q.field} of ${q.actor}`;
    if ("event" in q) return `${q.pick} ${q.event.op}${q.event.ph ? `.${q.event.ph}` : ""}${q.event.name ? ` ${q.event.name}` : ""}${q.event.actor ? ` of ${q.event.actor}` : ""}${q.pick === "count" ? "" : " (ms)"}`;
    return `runner ${q.runner}`;
  }
  value(q) {
    const { trial } = this.ctx;
    if ("const" in q) return q.const;
    if ("metric" in q) {
      const value = trial.metrics[q.metric];
      if (value === void 0) throw new Undecidable(`metric ${q.metric} was not measured`);
      return value;
    }
    if ("record" in q) {
      let values;
      if (q.actor === void 0) values = trial.records[q.record] ?? [];
      else {
        values = this.allEvents().filter((e) => e.op === "record" && e.data?.["name"] === q.record && this.matchesActor(e.actor, q.actor)).map((e) => e.data?.["value"]);
      }
      return aggregate(values, q.agg ?? "last", `record ${q.record}`);
    }
    if ("shared" in q) {
      const value = trial.finalShared[q.shared];
      if (q.index === void 0) return value;
      if (!Array.isArray(value)) throw new Undecidable(`${q.shared} is not an array`);
      return value[q.index];
    }
    if ("status" in q) return trial.status;
    if ("actors" in q) {
      const group = trial.actors.filter((a) => a.group === q.actors);
      return aggregate(group.map((a) => a[q.field]), q.agg, `${q.field} of ${q.actors}`);
    }
    if ("actor" in q) {
      const actor = trial.actors.find((a) => a.name === q.actor) ?? trial.actors.find((a) => a.group === q.actor);
      if (!actor) throw new Undecidable(`no actor ${q.actor} in this trial`);
      switch (q.field) {
        case "startedMs":
          return actor.startedNs === null ? null : actor.startedNs / 1e6;
        case "endedMs":
          return actor.endedNs === null ? null : actor.endedNs / 1e6;
        default:
          return actor[q.field];
      }
    }
    if ("event" in q) {
      const wanted = q.event;
      const matches = this.allEvents().filter(
        (e) => e.op === wanted.op && (wanted.ph === void 0 || e.ph === wanted.ph) && (wanted.name === void 0 || e.data?.["name"] === wanted.name || e.data?.["prim"] === wanted.name || e.data?.["queue"] === wanted.name) && this.matchesActor(e.actor, wanted.actor)
      );
      if (q.pick === "count") return matches.length;
      const event = q.pick === "first" ? matches[0] : matches[matches.length - 1];
      if (!event) throw new Undecidable(`no ${wanted.op} event${wanted.actor ? ` of ${wanted.actor}` : ""} was recorded`);
      return event.t / 1e6;
    }
    if (q.runner === "pid") return this.ctx.runnerPid;
    if (q.runner === "threadId") return this.ctx.runnerThreadId;
    return this.ctx.environment.cpuCount;
  }
  compare(a, op, b) {
    if (op === "==" || op === "!=") {
      const equal = typeof a === "object" || typeof b === "object" ? JSON.stringify(a) === JSON.stringify(b) : a === b;
      return op === "==" ? equal : !equal;
    }
    if (typeof a !== "number" || typeof b !== "number") throw new Undecidable(`cannot order ${format(a)} and ${format(b)}`);
    switch (op) {
      case "<":
        return a < b;
      case "<=":
        return a <= b;
      case ">":
        return a > b;
      case ">=":
        return a >= b;
    }
  }
  check(check) {
    try {
      if ("compare" in check) {
        const [left, op, right] = check.compare;
        const a = this.value(left);
        let b = this.value(right);
        const scaled = check.factor !== void 0 || check.plus !== void 0;
        if (scaled) {
          if (typeof b !== "number") throw new Undecidable(`${this.describe(right)} is not a number`);
          b = b * (check.factor ?? 1) + (check.plus ?? 0);
        }
        const rightText = scaled ? `${check.factor ?? 1} \xD7 ${this.describe(right)}${check.plus ? ` + ${check.plus}` : ""} = ${format(b)}` : `${this.describe(right)}${"const" in right ? "" : ` = ${format(b)}`}`;
        const ok = this.compare(a, op, b);
        return { status: ok ? "holds" : "fails", detail: `${this.describe(left)} = ${format(a)} ${ok ? "" : "not "}${op} ${rightText}` };
      }
      if ("before" in check) {
        const [first, second] = check.before;
        const a = this.value(first);
        const b = this.value(second);
        if (typeof a !== "number" || typeof b !== "number") throw new Undecidable("before compares two event times");
        const ok = a < b;
        return { status: ok ? "holds" : "fails", detail: `${this.describe(first)} at ${format(a)} ms ${ok ? "precedes" : "does not precede"} ${this.describe(second)} at ${format(b)} ms` };
      }
      if ("all" in check) {
        const verdicts = check.all.map((c) => this.check(c));
        const failing = verdicts.find((v2) => v2.status === "fails") ?? verdicts.find((v2) => v2.status === "inconclusive");
        return { status: failing?.status ?? "holds", detail: (failing ? [failing] : verdicts).map((v2) => v2.detail).join("; ") };
      }
      if ("any" in check) {
        const verdicts = check.any.map((c) => this.check(c));
        const holding = verdicts.find((v2) => v2.status === "holds");
        if (holding) return holding;
        const undecided = verdicts.find((v2) => v2.status === "inconclusive");
        return { status: undecided ? "inconclusive" : "fails", detail: verdicts.map((v2) => v2.detail).join("; or ") };
      }
      const inner = this.check(check.not);
      return { status: inner.status === "holds" ? "fails" : inner.status === "fails" ? "holds" : "inconclusive", detail: `not (${inner.detail})` };
    } catch (error) {
      if (error instanceof Undecidable) return { status: "inconclusive", detail: error.message };
      throw error;
    }
  }
};
function constant(value) {
  if (value !== null && typeof value === "object") throw new Error(`a claim's "when" compares parameters and constants only`);
  return value;
}
function staticTest(cond) {
  if ("compare" in cond) {
    const a = constant(cond.compare[0]);
    const b = constant(cond.compare[2]);
    switch (cond.compare[1]) {
      case "==":
        return a === b;
      case "!=":
        return a !== b;
      case "<":
        return a < b;
      case "<=":
        return a <= b;
      case ">":
        return a > b;
      case ">=":
        return a >= b;
    }
  }
  if ("not" in cond) return !staticTest(cond.not);
  if ("all" in cond) return cond.all.every(staticTest);
  if ("any" in cond) return cond.any.some(staticTest);
  return Boolean(constant(cond.truthy));
}
function claimApplies(claim) {
  return claim.when === void 0 || staticTest(claim.when);
}
function unmetRequirement(claim, environment) {
  const needs = claim.requires;
  if (!needs) return null;
  if (needs.minCores !== void 0 && environment.cpuCount < needs.minCores) {
    return `needs at least ${needs.minCores} CPU cores; this machine has ${environment.cpuCount}`;
  }
  if (needs.procfs && !environment.hasProcfs) return "needs /proc to observe process states, which this platform does not have";
  if (needs.platform !== void 0 && !environment.os.startsWith(needs.platform)) return `needs ${needs.platform}; this is ${environment.os}`;
  return null;
}
function evaluateClaimOnTrial(claim, ctx) {
  const unmet = unmetRequirement(claim, ctx.environment);
  if (unmet) return { status: "inconclusive", detail: unmet };
  const statuses = claim.statuses ?? ["ok"];
  if (!statuses.includes(ctx.trial.status)) {
    return { status: "inconclusive", detail: `the trial ended ${ctx.trial.status}${ctx.trial.error ? ` (${ctx.trial.error})` : ""}, so the claim cannot be judged` };
  }
  return new Evaluator(ctx).check(claim.check);
}
function combineVerdicts(claim, verdicts) {
  const text2 = claimText(claim);
  if (verdicts.length === 0) return { id: claim.id, text: text2, status: "inconclusive", detail: "no counted trial finished" };
  const failing = verdicts.find((v2) => v2.verdict.status === "fails");
  const undecided = verdicts.find((v2) => v2.verdict.status === "inconclusive");
  const chosen = failing ?? undecided ?? verdicts[verdicts.length - 1];
  const prefix = verdicts.length > 1 ? `trial ${chosen.trial}: ` : "";
  return { id: claim.id, text: text2, status: chosen.verdict.status, detail: `${prefix}${chosen.verdict.detail}` };
}

// src-main/engine/metrics/stats.ts
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { max, mean, median, medianAbsoluteDeviation, min, sampleStandardDeviation } from "simple-statistics";
var OUTLIER_Z_THRESHOLD = 3.5;
var WARMUP_SLOWDOWN_FACTOR = 1.5;
function tCritical95(df) {
  return tQuantile(0.975, df);
}
function summarize(name2, unit, values) {
  if (values.length === 0) throw new RangeError(`metric "${name2}": no values to summarize`);
  const bad = values.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) throw new RangeError(`metric "${name2}": value ${bad} is ${String(values[bad])}, expected a finite number`);
  const n = values.length;
  const center = mean(values);
  const stddev = n >= 2 ? sampleStandardDeviation(values) : 0;
  let ci95 = [center, center];
  if (n >= 2) {
    const halfWidth = tCritical95(n - 1) * stddev / Math.sqrt(n);
    ci95 = [center - halfWidth, center + halfWidth];
  }
  return {
    name: name2,
    unit,
    n,
    median: median(values),
    mean: center,
    stddev,
    min: min(values),
    max: max(values),
    ci95,
    outliers: outlierIndices(values)
  };
}
function outlierIndices(values) {
  if (values.length === 0) return [];
  const center = median(values);
  const mad = medianAbsoluteDeviation(values);
  let scoreOf;
  if (mad > 0) {
    scoreOf = (x) => 0.6745 * (x - center) / mad;
  } else {
    const meanAbsoluteDeviation = mean(values.map((x) => Math.abs(x - center)));
    if (meanAbsoluteDeviation === 0) return [];
    scoreOf = (x) => (x - center) / (1.253314 * meanAbsoluteDeviation);
  }
  const flagged = [];
  values.forEach((x, index) => {
    if (Math.abs(scoreOf(x)) > OUTLIER_Z_THRESHOLD) flagged.push(index);
  });
  return flagged;
}
function warmupWarning(values, unit = "ms") {
  if (values.length < 3) return null;
  const [first, ...rest] = values;
  const restMedian = median(rest);
  if (!(restMedian > 0) || !(first > WARMUP_SLOWDOWN_FACTOR * restMedian)) return null;
  const factor = (first / restMedian).toFixed(1);
  return `The first counted trial was ${factor}\xD7 slower than the median of the others (${formatValue(first, unit)} vs ${formatValue(restMedian, unit)}). Caches, JIT compilation or lazy loading were probably still cold: consider running with --warmup 1 (or more) so warm-up trials absorb it.`;
}
function unitOf(metricName) {
  if (metricName.endsWith("Ms")) return "ms";
  if (metricName.endsWith("Mb")) return "MB";
  if (metricName.endsWith("PerSec")) return "/s";
  return "";
}
function summarizeTrials(trials) {
  const counted = trials.filter((trial) => !trial.warmup);
  if (counted.length === 0) return [];
  const stats = [summarize("wallMs", "ms", counted.map((trial) => trial.wallMs))];
  const shared = Object.keys(counted[0].metrics).filter((name2) => name2 !== "wallMs").filter((name2) => counted.every((trial) => Number.isFinite(trial.metrics[name2]))).sort();
  for (const name2 of shared) {
    stats.push(summarize(name2, unitOf(name2), counted.map((trial) => trial.metrics[name2])));
  }
  return stats;
}
function formatValue(value, unit) {
  const text2 = Number.isInteger(value) ? String(value) : value.toPrecision(4);
  return unit === "" ? text2 : `${text2} ${unit}`;
}

// src-main/engine/spec/spec-schema.ts
import { z } from "zod";

// src-main/engine/run-model.ts
var ACTOR_KINDS = ["thread", "process", "utility", "task", "main"];

// src-main/engine/spec/spec-schema.ts
var SPEC_VERSION = 1;
var NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
var name = () => z.string().regex(NAME_PATTERN, "a name: a letter or _, then letters, digits, _ or -, at most 64");
var localizedText = z.strictObject({ en: z.string().max(2e4), zh: z.string().max(2e4) });
var text = z.union([z.string().max(2e4), localizedText]);
var paramRef = z.strictObject({ param: name() });
function buildSpecSchema(mode) {
  const num = (schema) => mode === "authored" ? z.union([schema, paramRef]) : schema;
  const intNonNeg = z.number().int().min(0);
  const msValue = z.number().min(0).max(864e5);
  const selfFact = z.enum(["index", "name", "group", "kind", "pid", "ppid", "threadId"]);
  const value = z.lazy(() => {
    const pair = z.tuple([value, value]);
    const members = [
      z.number(),
      z.string().max(1e5),
      z.boolean(),
      z.null(),
      z.strictObject({ ref: name() }),
      z.strictObject({ self: selfFact }),
      z.strictObject({ now: z.literal("ms") }),
      z.strictObject({ add: pair }),
      z.strictObject({ sub: pair }),
      z.strictObject({ mul: pair }),
      z.strictObject({ div: pair }),
      z.strictObject({ mod: pair }),
      z.strictObject({ concat: z.array(value).max(64) }),
      z.strictObject({ upper: value }),
      z.strictObject({ list: z.array(value).max(1e4) })
    ];
    if (mode === "authored") members.push(paramRef);
    return z.union(members);
  });
  const comparison = z.enum(["<", "<=", "==", "!=", ">=", ">"]);
  const cond = z.lazy(
    () => z.union([
      z.strictObject({ compare: z.tuple([value, comparison, value]) }),
      z.strictObject({ not: cond }),
      z.strictObject({ all: z.array(cond).min(1).max(32) }),
      z.strictObject({ any: z.array(cond).min(1).max(32) }),
      z.strictObject({ truthy: value })
    ])
  );
  const timeoutMs = num(msValue).optional();
  const common = { label: z.string().max(200).optional() };
  const leafSteps = [
    z.strictObject({ op: z.literal("compute"), iterations: num(z.number().int().min(0).max(1e12)), ...common }),
    z.strictObject({ op: z.literal("sleep"), ms: num(msValue), ...common }),
    z.strictObject({ op: z.literal("block"), ms: num(msValue), ...common }),
    z.strictObject({ op: z.literal("let"), name: name(), value, ...common }),
    z.strictObject({ op: z.literal("read"), var: name(), index: value.optional(), into: name(), ...common }),
    z.strictObject({ op: z.literal("write"), var: name(), index: value.optional(), value, ...common }),
    z.strictObject({ op: z.literal("add"), var: name(), index: value.optional(), delta: value, into: name().optional(), ...common }),
    z.strictObject({
      op: z.literal("acquire"),
      prim: name(),
      blocking: z.boolean().optional(),
      timeoutMs,
      into: name().optional(),
      ...common
    }),
    z.strictObject({ op: z.literal("release"), prim: name(), ...common }),
    z.strictObject({ op: z.literal("wait"), prim: name(), timeoutMs, into: name().optional(), ...common }),
    z.strictObject({ op: z.literal("set"), prim: name(), ...common }),
    z.strictObject({ op: z.literal("clear"), prim: name(), ...common }),
    z.strictObject({ op: z.literal("notify"), prim: name(), all: z.boolean().optional(), n: num(z.number().int().min(1)).optional(), ...common }),
    z.strictObject({
      op: z.literal("put"),
      queue: name(),
      value,
      priority: value.optional(),
      blocking: z.boolean().optional(),
      timeoutMs,
      into: name().optional(),
      ...common
    }),
    z.strictObject({ op: z.literal("get"), queue: name(), blocking: z.boolean().optional(), timeoutMs, into: name().optional(), ...common }),
    z.strictObject({ op: z.literal("task_done"), queue: name(), ...common }),
    z.strictObject({ op: z.literal("spawn"), actor: name(), index: value.optional(), ...common }),
    z.strictObject({
      op: z.literal("join"),
      actor: name().optional(),
      queue: name().optional(),
      index: value.optional(),
      timeoutMs,
      ...common
    }),
    z.strictObject({ op: z.literal("terminate"), actor: name(), index: value.optional(), ...common }),
    z.strictObject({ op: z.literal("is_alive"), actor: name(), index: value.optional(), into: name(), ...common }),
    z.strictObject({ op: z.literal("file_append"), path: z.string().min(1).max(200), text: value, ...common }),
    z.strictObject({ op: z.literal("file_read"), path: z.string().min(1).max(200), into: name(), ...common }),
    z.strictObject({ op: z.literal("log"), message: z.string().max(2e3), values: z.record(name(), value).optional(), ...common }),
    z.strictObject({ op: z.literal("record"), name: name(), value, ...common }),
    z.strictObject({ op: z.literal("mark"), name: name(), ...common }),
    z.strictObject({ op: z.literal("fail"), message: z.string().max(2e3), ...common })
  ];
  const steps2 = z.lazy(() => z.array(step).max(1e4));
  const step = z.lazy(
    () => z.discriminatedUnion("op", [
      ...leafSteps,
      z.strictObject({
        op: z.literal("repeat"),
        times: num(z.number().int().min(0).max(1e9)),
        steps: steps2,
        trace: z.enum(["each", "summary"]).optional(),
        ...common
      }),
      z.strictObject({ op: z.literal("if"), cond, then: steps2, else: steps2.optional(), ...common }),
      z.strictObject({ op: z.literal("section"), name: name(), steps: steps2, ...common })
    ])
  );
  const reach = z.enum(["in-process", "cross-process"]).optional();
  const primitive = z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("mutex"), reach }),
    z.strictObject({ type: z.literal("rlock"), reach }),
    z.strictObject({ type: z.literal("semaphore"), value: num(z.number().int().min(0).max(1e6)), reach }),
    z.strictObject({ type: z.literal("bounded-semaphore"), value: num(z.number().int().min(0).max(1e6)), reach }),
    z.strictObject({ type: z.literal("event"), reach }),
    z.strictObject({ type: z.literal("condition"), lock: name().optional(), reach }),
    z.strictObject({ type: z.literal("barrier"), parties: num(z.number().int().min(1).max(1e4)), reach })
  ]);
  const int32 = z.number().int().min(-2147483648).max(2147483647);
  const jsonValue = z.lazy(
    () => z.union([z.number(), z.string().max(1e5), z.boolean(), z.null(), z.array(jsonValue).max(1e5), z.record(z.string(), jsonValue)])
  );
  const sharedVar = z.discriminatedUnion("scope", [
    z.strictObject({
      scope: z.literal("shared"),
      initial: z.union([num(int32), z.array(int32).min(1).max(1e6)]),
      description: text.optional()
    }),
    z.strictObject({ scope: z.literal("managed"), initial: jsonValue, description: text.optional() })
  ]);
  const queue = z.strictObject({
    order: z.enum(["fifo", "lifo", "priority"]),
    maxsize: num(z.number().int().min(0).max(1e6)).optional()
  });
  const actor = z.strictObject({
    name: name(),
    kind: z.enum(ACTOR_KINDS),
    count: num(z.number().int().min(1).max(1e5)).optional(),
    daemon: z.boolean().optional(),
    autostart: z.boolean().optional(),
    program: steps2
  });
  const param = z.discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("integer"),
      default: z.number().int(),
      min: z.number().int().optional(),
      max: z.number().int().optional(),
      description: text.optional()
    }),
    z.strictObject({
      type: z.literal("number"),
      default: z.number(),
      min: z.number().optional(),
      max: z.number().optional(),
      description: text.optional()
    }),
    z.strictObject({ type: z.literal("boolean"), default: z.boolean(), description: text.optional() }),
    z.strictObject({
      type: z.literal("choice"),
      default: z.string(),
      choices: z.array(z.string().max(200)).min(1).max(100),
      description: text.optional()
    })
  ]);
  const limits = z.strictObject({
    maxActors: num(z.number().int().min(1)).optional(),
    wallTimeMs: num(z.number().int().min(1)).optional(),
    memoryMbPerActor: num(z.number().int().min(16)).optional(),
    maxEvents: num(z.number().int().min(0)).optional()
  });
  const recordAgg = z.enum(["first", "last", "min", "max", "sum", "count", "distinct", "all"]);
  const quantity = z.union([
    z.strictObject({ const: num(z.union([z.number(), z.string(), z.boolean(), z.null()])) }),
    z.strictObject({ metric: z.string().max(200) }),
    z.strictObject({ record: name(), agg: recordAgg.optional(), actor: z.string().max(100).optional() }),
    z.strictObject({ shared: name(), index: z.number().int().min(0).optional() }),
    z.strictObject({ status: z.literal(true) }),
    z.strictObject({ actor: z.string().max(100), field: z.enum(["pid", "ppid", "threadId", "exit", "startedMs", "endedMs", "spawnLatencyMs"]) }),
    z.strictObject({ actors: name(), field: z.enum(["pid", "ppid", "threadId", "exit"]), agg: recordAgg }),
    z.strictObject({
      event: z.strictObject({ op: z.string().max(64), ph: z.enum(["B", "E", "I"]).optional(), actor: z.string().max(100).optional(), name: z.string().max(100).optional() }),
      pick: z.enum(["first", "last", "count"])
    }),
    z.strictObject({ runner: z.enum(["pid", "threadId", "cpuCount"]) })
  ]);
  const check = z.lazy(
    () => z.union([
      z.strictObject({ compare: z.tuple([quantity, comparison, quantity]), factor: z.number().optional(), plus: z.number().optional() }),
      z.strictObject({ before: z.tuple([quantity, quantity]) }),
      z.strictObject({ all: z.array(check).min(1).max(32) }),
      z.strictObject({ any: z.array(check).min(1).max(32) }),
      z.strictObject({ not: check })
    ])
  );
  const claim = z.strictObject({
    id: name(),
    text,
    check,
    requires: z.strictObject({
      minCores: z.number().int().min(1).optional(),
      procfs: z.boolean().optional(),
      platform: z.enum(["linux", "darwin", "win32"]).optional()
    }).optional(),
    /** Only checked when this holds for the run's parameters (e.g. a claim about the lock-free variant). */
    when: cond.optional(),
    /** When the run ended deadlocked, a claim about the deadlock may still hold: name the statuses it is evaluated under. */
    statuses: z.array(z.enum(["ok", "failed", "deadlocked", "timed-out"])).optional()
  });
  return z.strictObject({
    version: z.literal(SPEC_VERSION),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "lower-case letters, digits and -").optional(),
    title: text.optional(),
    description: text.optional(),
    params: z.record(name(), param).optional(),
    limits: limits.optional(),
    shared: z.record(name(), sharedVar).optional(),
    primitives: z.record(name(), primitive).optional(),
    queues: z.record(name(), queue).optional(),
    actors: z.array(actor).min(1).max(1e3),
    claims: z.array(claim).max(100).optional()
  });
}
var authoredSpecSchema = buildSpecSchema("authored");
var resolvedSpecSchema = buildSpecSchema("resolved");

// src-main/engine/spec/references.ts
var ACQUIRABLE = ["mutex", "rlock", "semaphore", "bounded-semaphore", "condition"];
var WAITABLE = ["event", "condition", "barrier"];
var PROCESS_KINDS = /* @__PURE__ */ new Set(["process", "utility"]);
function list(types) {
  return types.join(", ");
}
function* walkSteps(steps2, path) {
  for (let i = 0; i < steps2.length; i++) {
    const step = steps2[i];
    const here = `${path}[${i}]`;
    yield { step, path: here };
    if (step.op === "repeat" || step.op === "section") yield* walkSteps(step.steps, `${here}.steps`);
    if (step.op === "if") {
      yield* walkSteps(step.then, `${here}.then`);
      if (step.else) yield* walkSteps(step.else, `${here}.else`);
    }
  }
}
function checkReferences(spec) {
  const issues = [];
  const shared = spec.shared ?? {};
  const primitives = spec.primitives ?? {};
  const queues = spec.queues ?? {};
  const groups = /* @__PURE__ */ new Map();
  spec.actors.forEach((actor, i) => {
    if (groups.has(actor.name)) issues.push({ path: `actors[${i}].name`, message: "actor names must be unique", received: JSON.stringify(actor.name) });
    groups.set(actor.name, actor);
    if (actor.kind === "main") {
      if ((actor.count ?? 1) !== 1) issues.push({ path: `actors[${i}].count`, message: "the main program runs once", received: String(actor.count), expected: "1" });
      if (actor.daemon) issues.push({ path: `actors[${i}].daemon`, message: "the main program cannot be a daemon: daemons end when it ends", received: "true", expected: "false" });
    }
  });
  const mains = spec.actors.filter((actor) => actor.kind === "main");
  if (mains.length > 1) issues.push({ path: "actors", message: "at most one actor of kind main", received: `${mains.length}`, expected: "0 or 1" });
  for (const [name2, prim] of Object.entries(primitives)) {
    if (prim.type === "condition" && prim.lock !== void 0) {
      const lock = primitives[prim.lock];
      if (!lock) issues.push({ path: `primitives.${name2}.lock`, message: "no such primitive", received: JSON.stringify(prim.lock), expected: "the name of a mutex or rlock" });
      else if (lock.type !== "mutex" && lock.type !== "rlock") issues.push({ path: `primitives.${name2}.lock`, message: "a condition needs a mutex or rlock", received: lock.type, expected: "mutex or rlock" });
    }
    if (prim.type === "bounded-semaphore" || prim.type === "semaphore") {
      if (prim.value > 1e6) issues.push({ path: `primitives.${name2}.value`, message: "too large", received: String(prim.value), expected: "at most 1000000" });
    }
  }
  const spawned = /* @__PURE__ */ new Set();
  spec.actors.forEach((actor, actorIndex) => {
    const crossProcess = PROCESS_KINDS.has(actor.kind);
    for (const { step, path: stepPath } of walkSteps(actor.program, `actors[${actorIndex}].program`)) {
      const needPrim = (field, prim, allowed) => {
        const def = primitives[prim];
        if (!def) {
          const names = Object.keys(primitives);
          issues.push({ path: `${stepPath}.${field}`, message: "no such primitive", received: JSON.stringify(prim), expected: names.length ? `one of ${list(names)}` : "a name declared in primitives" });
          return;
        }
        if (!allowed.includes(def.type)) {
          issues.push({ path: `${stepPath}.${field}`, message: `${step.op} does not apply to a ${def.type}`, received: `${prim} (${def.type})`, expected: `a ${list(allowed)}` });
        }
        const lockOf = def.type === "condition" && def.lock ? primitives[def.lock] : void 0;
        const reach = def.reach ?? "cross-process";
        if (crossProcess && (reach === "in-process" || lockOf?.reach === "in-process")) {
          issues.push({
            path: `${stepPath}.${field}`,
            message: `primitive ${prim} is in-process: it lives in memory shared by threads and tasks, which a ${actor.kind} actor (${actor.name}) does not share. Set primitives.${prim}.reach to "cross-process" so the runner brokers it for processes`,
            received: "reach: in-process",
            expected: "reach: cross-process"
          });
        }
      };
      const needVar = (field, name2, indexed) => {
        const def = shared[name2];
        if (!def) {
          const names = Object.keys(shared);
          issues.push({ path: `${stepPath}.${field}`, message: "no such shared variable", received: JSON.stringify(name2), expected: names.length ? `one of ${list(names)}` : "a name declared in shared" });
          return;
        }
        if (indexed && def.scope === "shared" && !Array.isArray(def.initial)) {
          issues.push({ path: `${stepPath}.index`, message: `${name2} is a single value, not an array`, received: "an index", expected: "no index" });
        }
      };
      const needQueue = (name2) => {
        if (!queues[name2]) {
          const names = Object.keys(queues);
          issues.push({ path: `${stepPath}.queue`, message: "no such queue", received: JSON.stringify(name2), expected: names.length ? `one of ${list(names)}` : "a name declared in queues" });
        }
      };
      const needActor = (name2, rawIndex) => {
        const index = typeof rawIndex === "number" ? rawIndex : void 0;
        const group = groups.get(name2);
        if (!group) {
          issues.push({ path: `${stepPath}.actor`, message: "no such actor", received: JSON.stringify(name2), expected: `one of ${list([...groups.keys()])}` });
          return;
        }
        if (group.kind === "main") issues.push({ path: `${stepPath}.actor`, message: "the main program is not spawned, joined or terminated by steps", received: name2 });
        if (index !== void 0 && index >= (group.count ?? 1)) {
          issues.push({ path: `${stepPath}.index`, message: `actor ${name2} has ${group.count ?? 1} instances (indices from 0)`, received: String(index), expected: `at most ${(group.count ?? 1) - 1}` });
        }
      };
      switch (step.op) {
        case "read":
        case "write":
        case "add":
          needVar("var", step.var, step.index !== void 0);
          break;
        case "acquire":
        case "release":
          needPrim("prim", step.prim, ACQUIRABLE);
          break;
        case "wait":
          needPrim("prim", step.prim, WAITABLE);
          break;
        case "set":
        case "clear":
          needPrim("prim", step.prim, ["event"]);
          break;
        case "notify":
          needPrim("prim", step.prim, ["condition"]);
          break;
        case "put":
        case "get":
        case "task_done":
          needQueue(step.queue);
          break;
        case "spawn":
          needActor(step.actor, step.index);
          spawned.add(step.actor);
          break;
        case "terminate":
        case "is_alive":
          needActor(step.actor, step.index);
          break;
        case "join":
          if (step.actor === void 0 === (step.queue === void 0)) {
            issues.push({ path: stepPath, message: "join waits for an actor or for a queue", received: step.actor && step.queue ? "both" : "neither", expected: "exactly one of actor, queue" });
          } else if (step.actor !== void 0) needActor(step.actor, step.index);
          else if (step.queue !== void 0) needQueue(step.queue);
          break;
        case "file_append":
        case "file_read":
          if (step.path.startsWith("/") || step.path.startsWith("\\") || /^[A-Za-z]:/.test(step.path) || step.path.split(/[\\/]/).includes("..")) {
            issues.push({ path: `${stepPath}.path`, message: "files live in the run folder", received: JSON.stringify(step.path), expected: "a relative path without .." });
          }
          break;
        case "compute":
        case "sleep":
        case "block":
        case "let":
        case "log":
        case "record":
        case "mark":
        case "fail":
        case "repeat":
        case "if":
        case "section":
          break;
        default:
          assertNeverStep(step);
      }
    }
  });
  spec.actors.forEach((actor, i) => {
    if (actor.kind !== "main" && actor.autostart === false && !spawned.has(actor.name)) {
      issues.push({ path: `actors[${i}].autostart`, message: `actor ${actor.name} never starts: autostart is false and no spawn step names it`, received: "false", expected: "true, or a spawn step" });
    }
  });
  (spec.claims ?? []).forEach((claim, i) => checkClaim(claim.check, `claims[${i}].check`, spec, groups, issues));
  return issues;
}
function checkQuantity(q, path, spec, groups, issues) {
  if ("shared" in q && !(spec.shared ?? {})[q.shared]) issues.push({ path: `${path}.shared`, message: "no such shared variable", received: JSON.stringify(q.shared) });
  if ("actors" in q && !groups.has(q.actors)) issues.push({ path: `${path}.actors`, message: "no such actor", received: JSON.stringify(q.actors) });
}
function checkClaim(check, path, spec, groups, issues) {
  if ("compare" in check) {
    checkQuantity(check.compare[0], `${path}.compare[0]`, spec, groups, issues);
    checkQuantity(check.compare[2], `${path}.compare[2]`, spec, groups, issues);
  } else if ("before" in check) {
    checkQuantity(check.before[0], `${path}.before[0]`, spec, groups, issues);
    checkQuantity(check.before[1], `${path}.before[1]`, spec, groups, issues);
  } else if ("all" in check) check.all.forEach((c, i) => checkClaim(c, `${path}.all[${i}]`, spec, groups, issues));
  else if ("any" in check) check.any.forEach((c, i) => checkClaim(c, `${path}.any[${i}]`, spec, groups, issues));
  else checkClaim(check.not, `${path}.not`, spec, groups, issues);
}
function assertNeverStep(step) {
  throw new Error(`unhandled step ${JSON.stringify(step)}`);
}

// src-main/engine/spec/limits.ts
var DEFAULT_LIMIT_CAPS = Object.freeze({
  maxActors: 1e3,
  wallTimeMs: 10 * 6e4,
  memoryMbPerActor: 512,
  maxEvents: 5e6
});
var FLAG = {
  maxActors: "--max-actors",
  wallTimeMs: "--max-wall-ms",
  memoryMbPerActor: "--max-memory-mb",
  maxEvents: "--max-events"
};
function totalActorInstances(spec) {
  return spec.actors.reduce((sum, actor) => sum + (actor.count ?? 1), 0);
}
function resolveLimits(spec, caps) {
  const issues = [];
  const asked = spec.limits ?? {};
  const limits = { ...caps };
  for (const key of Object.keys(caps)) {
    const value = asked[key];
    if (value === void 0) continue;
    if (value > caps[key]) {
      issues.push({
        path: `limits.${key}`,
        message: `exceeds the configured cap (raise the cap in settings or with ${FLAG[key]})`,
        received: String(value),
        expected: `at most ${caps[key]}`
      });
    } else {
      limits[key] = value;
    }
  }
  const total = totalActorInstances(spec);
  if (total > limits.maxActors) {
    issues.push({
      path: "actors",
      message: `${total} actor instances in all (the counts added up) exceed the limit`,
      received: String(total),
      expected: `at most ${limits.maxActors} (limits.maxActors, or ${FLAG.maxActors})`
    });
  }
  return { limits, issues };
}

// src-main/engine/spec/validate.ts
var SpecError = class extends Error {
  constructor(issues) {
    super(formatIssues(issues));
    this.issues = issues;
    this.name = "SpecError";
  }
  issues;
};
function formatIssues(issues, max2 = 12) {
  const lines = issues.slice(0, max2).map((issue) => {
    const parts = [`${issue.path || "(spec)"}: ${issue.message}`];
    if (issue.expected !== void 0) parts.push(`expected ${issue.expected}`);
    if (issue.received !== void 0) parts.push(`got ${issue.received}`);
    return `  - ${parts.join("; ")}`;
  });
  if (issues.length > max2) lines.push(`  \u2026 and ${issues.length - max2} more`);
  return `the spec is not valid (${issues.length} ${issues.length === 1 ? "problem" : "problems"}):
${lines.join("\n")}`;
}
function pathToString(path) {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}
function excerpt(value) {
  if (value === void 0) return "nothing";
  let text2;
  try {
    text2 = JSON.stringify(value) ?? String(value);
  } catch {
    text2 = String(value);
  }
  return text2.length > 80 ? `${text2.slice(0, 77)}...` : text2;
}
function valueAt(root, path) {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return void 0;
    node = node[key];
  }
  return node;
}
var STEP_OPS = [
  "compute",
  "sleep",
  "block",
  "let",
  "read",
  "write",
  "add",
  "acquire",
  "release",
  "wait",
  "set",
  "clear",
  "notify",
  "put",
  "get",
  "task_done",
  "spawn",
  "join",
  "terminate",
  "is_alive",
  "file_append",
  "file_read",
  "log",
  "record",
  "mark",
  "fail",
  "repeat",
  "if",
  "section"
];
var PRIMITIVE_TYPES = ["mutex", "rlock", "semaphore", "bounded-semaphore", "event", "condition", "barrier"];
function zodIssues(error, input, prefix = []) {
  const out = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    const received = excerpt(valueAt(input, issue.path));
    const at = pathToString(path);
    switch (issue.code) {
      case "unrecognized_keys":
        for (const key of issue.keys) {
          out.push({ path: pathToString([...path, key]), message: "unknown field", received: excerpt(valueAt(input, [...issue.path, key])), expected: "no such field" });
        }
        break;
      case "invalid_union": {
        const node = valueAt(input, issue.path);
        const discriminator = "note" in issue && issue.note === "No matching discriminator";
        const key = issue.discriminator;
        const options = "options" in issue ? issue.options : void 0;
        if (discriminator && key !== void 0 && options && issue.path[issue.path.length - 1] === key) {
          const what = key === "op" ? "step" : key;
          out.push({ path: at, message: node === void 0 ? `missing ${key}` : `unknown ${what}`, received, expected: `one of ${options.map(String).join(", ")}` });
        } else if (discriminator && node && typeof node === "object" && "op" in node) {
          out.push({ path: pathToString([...path, "op"]), message: "unknown step", received: excerpt(node.op), expected: `one of ${STEP_OPS.join(", ")}` });
        } else if (discriminator && node && typeof node === "object" && "type" in node) {
          out.push({ path: pathToString([...path, "type"]), message: "unknown type", received: excerpt(node.type), expected: `one of ${PRIMITIVE_TYPES.join(", ")} (primitives) or integer, number, boolean, choice (params)` });
        } else if (discriminator && node && typeof node === "object" && "scope" in node) {
          out.push({ path: pathToString([...path, "scope"]), message: "unknown scope", received: excerpt(node.scope), expected: "shared or managed" });
        } else if (discriminator) {
          const field = Array.isArray(issue.path) && node && typeof node === "object" ? "a discriminating field (op, type or scope)" : "an object";
          out.push({ path: at, message: "missing or unknown kind", received, expected: field });
        } else {
          const branches = issue.errors.filter((branch) => branch.length > 0);
          const best = branches.sort((a, b) => (b[0]?.path.length ?? 0) - (a[0]?.path.length ?? 0))[0];
          const deepest = best?.[0];
          if (deepest && deepest.path.length > 0 && deepest.code !== "invalid_type") {
            out.push({ path: pathToString([...path, ...deepest.path]), message: deepest.message, received: excerpt(valueAt(node, deepest.path)) });
          } else {
            out.push({ path: at, message: "not an accepted form", received, expected: describeUnion(issue.path, issue.errors) });
          }
        }
        break;
      }
      case "invalid_type":
        out.push({ path: at, message: "wrong type", received, expected: issue.expected });
        break;
      case "too_small":
        out.push({ path: at, message: "too small", received, expected: `at least ${String(issue.minimum)}${issue.origin === "array" ? " items" : ""}` });
        break;
      case "too_big":
        out.push({ path: at, message: "too large", received, expected: `at most ${String(issue.maximum)}${issue.origin === "array" ? " items" : ""}` });
        break;
      default:
        out.push({ path: at, message: issue.message, received });
    }
  }
  return out;
}
function describeUnion(path, branches) {
  const last = path[path.length - 1];
  const wanted = branches.map((branch) => branch.length === 1 && branch[0].code === "invalid_type" && branch[0].path.length === 0 ? branch[0].expected : null);
  if (wanted.length === 2 && wanted.includes("number") && wanted.includes("object")) return 'a number, or {"param": name}';
  if (last === "cond") return "a condition: {compare: [a, op, b]}, {not}, {all}, {any} or {truthy}";
  if (last === "check") return "a check: {compare: [q, op, q]}, {before: [q, q]}, {all}, {any} or {not}";
  return "a number, string, boolean, null, {ref}, {param}, {self}, {now}, {add|sub|mul|div|mod: [a, b]}, {concat}, {upper} or {list}";
}
function coerceOverride(name2, raw, def) {
  const path = `--set ${name2}`;
  switch (def.type) {
    case "integer":
    case "number": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n) || def.type === "integer" && !Number.isInteger(n)) {
        return { issue: { path, message: "not a valid value", received: excerpt(raw), expected: def.type === "integer" ? "an integer" : "a number" } };
      }
      if (def.min !== void 0 && n < def.min) return { issue: { path, message: "too small", received: String(n), expected: `at least ${def.min}` } };
      if (def.max !== void 0 && n > def.max) return { issue: { path, message: "too large", received: String(n), expected: `at most ${def.max}` } };
      return { value: n };
    }
    case "boolean": {
      if (typeof raw === "boolean") return { value: raw };
      const text2 = String(raw).toLowerCase();
      if (["true", "1", "yes", "on"].includes(text2)) return { value: true };
      if (["false", "0", "no", "off"].includes(text2)) return { value: false };
      return { issue: { path, message: "not a valid value", received: excerpt(raw), expected: "true or false" } };
    }
    case "choice": {
      const text2 = String(raw);
      if (!def.choices.includes(text2)) return { issue: { path, message: "not one of the choices", received: excerpt(raw), expected: def.choices.join(", ") } };
      return { value: text2 };
    }
  }
}
function substitute(node, params, path, issues) {
  if (Array.isArray(node)) return node.map((item, i) => substitute(item, params, [...path, i], issues));
  if (node === null || typeof node !== "object") return node;
  const record = node;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === "param" && typeof record["param"] === "string") {
    const name2 = record["param"];
    if (!(name2 in params)) {
      issues.push({ path: pathToString(path), message: "unknown parameter", received: excerpt(name2), expected: Object.keys(params).length ? `one of ${Object.keys(params).join(", ")}` : "a parameter declared in params" });
      return node;
    }
    return params[name2];
  }
  const out = {};
  for (const key of keys) {
    out[key] = path.length === 0 && key === "params" ? record[key] : substitute(record[key], params, [...path, key], issues);
  }
  return out;
}
function validateSpec(input, options = {}) {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new SpecError([{ path: "", message: "a spec is a JSON object", received: excerpt(input), expected: "an object with version and actors" }]);
  }
  const authored = authoredSpecSchema.safeParse(input);
  if (!authored.success) throw new SpecError(zodIssues(authored.error, input));
  const issues = [];
  const declared = authored.data.params ?? {};
  const params = {};
  for (const [name2, def] of Object.entries(declared)) {
    if ((def.type === "integer" || def.type === "number") && (def.min !== void 0 && def.default < def.min || def.max !== void 0 && def.default > def.max)) {
      issues.push({ path: `params.${name2}.default`, message: "default outside its own bounds", received: String(def.default), expected: `between ${def.min ?? "-\u221E"} and ${def.max ?? "\u221E"}` });
    }
    if (def.type === "choice" && !def.choices.includes(def.default)) {
      issues.push({ path: `params.${name2}.default`, message: "default is not one of the choices", received: excerpt(def.default), expected: def.choices.join(", ") });
    }
    params[name2] = def.default;
  }
  for (const [name2, raw] of Object.entries(options.overrides ?? {})) {
    const def = declared[name2];
    if (!def) {
      const names = Object.keys(declared);
      issues.push({ path: `--set ${name2}`, message: "no such parameter", received: excerpt(raw), expected: names.length ? `one of ${names.join(", ")}` : "nothing: this spec has no parameters" });
      continue;
    }
    const coerced = coerceOverride(name2, raw, def);
    if (coerced.issue) issues.push(coerced.issue);
    else if (coerced.value !== void 0) params[name2] = coerced.value;
  }
  if (issues.length) throw new SpecError(issues);
  const substituted = substitute(input, params, [], issues);
  if (issues.length) throw new SpecError(issues);
  const resolved = resolvedSpecSchema.safeParse(substituted);
  if (!resolved.success) throw new SpecError(zodIssues(resolved.error, substituted));
  const spec = resolved.data;
  issues.push(...checkReferences(spec));
  const { limits, issues: limitIssues } = resolveLimits(spec, options.caps ?? DEFAULT_LIMIT_CAPS);
  issues.push(...limitIssues);
  if (issues.length) throw new SpecError(issues);
  return { spec, params, limits };
}

// src-main/engine/runner/environment.ts
import { existsSync as existsSync2 } from "node:fs";
import os from "node:os";
function currentEnvironment() {
  const cpus = os.cpus();
  return {
    os: `${process.platform} ${os.release()} ${process.arch}`,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cpuCount: typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    node: process.versions.node,
    electron: process.versions["electron"] ?? null,
    appVersion: appVersion(),
    hasProcfs: existsSync2("/proc/self/stat")
  };
}

// src-main/engine/runner/trial.ts
import { mkdirSync } from "node:fs";
import { join as join3 } from "node:path";
import { setTimeout as sleepFor } from "node:timers/promises";
import { threadId } from "node:worker_threads";

// src-main/engine/actors/interpreter.ts
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname as dirname2, join as join2 } from "node:path";

// src-main/engine/actors/protocol.ts
function serializeError(error) {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}
function assertNever(value, what = "message") {
  throw new Error(`unknown ${what}: ${JSON.stringify(value)}`);
}

// src-main/engine/actors/interpreter.ts
var ActorFailure = class extends Error {
  constructor(message) {
    super(message);
    this.name = "ActorFailure";
  }
};
function spin(iterations) {
  let x = 0;
  for (let i = 0; i < iterations; i++) x = Math.imul(x, 31) + i | 0;
  return x;
}
var blockWord = new Int32Array(new SharedArrayBuffer(4));
function blockThread(ms) {
  if (ms > 0) Atomics.wait(blockWord, 0, 0, ms);
}
function asNumber(value, what) {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw new ActorFailure(`${what} must be a number, got ${JSON.stringify(value)}`);
}
var Interpreter = class {
  constructor(services) {
    this.services = services;
  }
  services;
  locals = /* @__PURE__ */ new Map();
  async run(program) {
    await this.steps(program);
  }
  evaluate(value) {
    if (value === null || typeof value !== "object") return value;
    if ("ref" in value) {
      if (!this.locals.has(value.ref)) throw new ActorFailure(`local ${value.ref} is not set yet (set it with let, or a step's into)`);
      return this.locals.get(value.ref);
    }
    if ("self" in value) {
      const self = this.services.self;
      return self[value.self];
    }
    if ("now" in value) return this.services.trace.now() / 1e6;
    if ("add" in value) return asNumber(this.evaluate(value.add[0]), "add") + asNumber(this.evaluate(value.add[1]), "add");
    if ("sub" in value) return asNumber(this.evaluate(value.sub[0]), "sub") - asNumber(this.evaluate(value.sub[1]), "sub");
    if ("mul" in value) return asNumber(this.evaluate(value.mul[0]), "mul") * asNumber(this.evaluate(value.mul[1]), "mul");
    if ("div" in value) {
      const divisor = asNumber(this.evaluate(value.div[1]), "div");
      if (divisor === 0) throw new ActorFailure("division by zero");
      return asNumber(this.evaluate(value.div[0]), "div") / divisor;
    }
    if ("mod" in value) {
      const divisor = asNumber(this.evaluate(value.mod[1]), "mod");
      if (divisor === 0) throw new ActorFailure("modulo by zero");
      return asNumber(this.evaluate(value.mod[0]), "mod") % divisor;
    }
    if ("concat" in value) return value.concat.map((part) => this.text(this.evaluate(part))).join("");
    if ("upper" in value) return this.text(this.evaluate(value.upper)).toUpperCase();
    if ("list" in value) return value.list.map((item) => this.evaluate(item));
    return assertNever(value, "value");
  }
  instanceIndex(value) {
    if (value === void 0) return void 0;
    const index = this.evaluate(value);
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0) throw new ActorFailure(`an actor index is a whole number from 0, got ${JSON.stringify(index)}`);
    return index;
  }
  text(value) {
    return typeof value === "string" ? value : JSON.stringify(value);
  }
  test(cond) {
    if ("compare" in cond) {
      const [left, op, right] = cond.compare;
      const a = this.evaluate(left);
      const b = this.evaluate(right);
      switch (op) {
        case "==":
          return a === b;
        case "!=":
          return a !== b;
        case "<":
          return a < b;
        case "<=":
          return a <= b;
        case ">":
          return a > b;
        case ">=":
          return a >= b;
        default:
          return assertNever(op, "comparison");
      }
    }
    if ("not" in cond) return !this.test(cond.not);
    if ("all" in cond) return cond.all.every((c) => this.test(c));
    if ("any" in cond) return cond.any.some((c) => this.test(c));
    if ("truthy" in cond) return Boolean(this.evaluate(cond.truthy));
    return assertNever(cond, "condition");
  }
  async steps(program) {
    for (const step of program) await this.step(step);
  }
  filePath(relative) {
    return join2(this.services.workDir, relative);
  }
  async step(step) {
    const { trace, prims, vars } = this.services;
    switch (step.op) {
      case "compute": {
        trace.emit("compute", "B", { iterations: step.iterations });
        if (step.iterations > 1e6) trace.flush();
        const result = spin(step.iterations);
        trace.emit("compute", "E", { result });
        return;
      }
      case "sleep":
        trace.emit("sleep", "B", { ms: step.ms });
        if (!trace.isMuted) trace.flush();
        await this.services.sleep(step.ms);
        trace.emit("sleep", "E");
        return;
      case "block":
        trace.emit("block", "B", { ms: step.ms });
        if (!trace.isMuted) trace.flush();
        this.services.block(step.ms);
        trace.emit("block", "E");
        return;
      case "let": {
        const value = this.evaluate(step.value);
        this.locals.set(step.name, value);
        trace.emit("let", "I", { name: step.name, value });
        return;
      }
      case "read": {
        const index2 = step.index === void 0 ? void 0 : this.evaluate(step.index);
        const value = await vars.read(step.var, index2);
        this.locals.set(step.into, value);
        trace.emit("read", "I", index2 === void 0 ? { var: step.var, value } : { var: step.var, index: index2, value });
        return;
      }
      case "write": {
        const index2 = step.index === void 0 ? void 0 : this.evaluate(step.index);
        const value = this.evaluate(step.value);
        await vars.write(step.var, index2, value);
        trace.emit("write", "I", index2 === void 0 ? { var: step.var, value } : { var: step.var, index: index2, value });
        return;
      }
      case "add": {
        const index2 = step.index === void 0 ? void 0 : this.evaluate(step.index);
        const delta = asNumber(this.evaluate(step.delta), "add.delta");
        const value = await vars.add(step.var, index2, delta);
        if (step.into) this.locals.set(step.into, value);
        trace.emit("add", "I", index2 === void 0 ? { var: step.var, delta, value } : { var: step.var, index: index2, delta, value });
        return;
      }
      case "acquire": {
        trace.emit("acquire", "B", { prim: step.prim });
        const ok = await prims.acquire(step.prim, { blocking: step.blocking, timeoutMs: step.timeoutMs });
        trace.emit("acquire", "E", { prim: step.prim, ok });
        if (step.into) this.locals.set(step.into, ok);
        return;
      }
      case "release":
        await prims.release(step.prim);
        trace.emit("release", "I", { prim: step.prim });
        return;
      case "wait": {
        trace.emit("wait", "B", { prim: step.prim });
        const result = await prims.wait(step.prim, step.timeoutMs);
        trace.emit("wait", "E", result.index === void 0 ? { prim: step.prim, passed: result.passed } : { prim: step.prim, passed: result.passed, index: result.index });
        if (step.into) this.locals.set(step.into, result.passed);
        return;
      }
      case "set":
        await prims.set(step.prim);
        trace.emit("set", "I", { prim: step.prim });
        return;
      case "clear":
        await prims.clear(step.prim);
        trace.emit("clear", "I", { prim: step.prim });
        return;
      case "notify": {
        const count = step.all ? Infinity : step.n ?? 1;
        await prims.notify(step.prim, count);
        trace.emit("notify", "I", { prim: step.prim, n: step.all ? "all" : count });
        return;
      }
      case "put": {
        const value = this.evaluate(step.value);
        const priority = step.priority === void 0 ? void 0 : this.evaluate(step.priority);
        trace.emit("put", "B", { queue: step.queue, value });
        const ok = await this.services.call({ type: "queue.put", queue: step.queue, value, priority, blocking: step.blocking ?? true, timeoutMs: step.timeoutMs });
        trace.emit("put", "E", { queue: step.queue, ok });
        if (step.into) this.locals.set(step.into, ok);
        else if (!ok) throw new ActorFailure(`queue ${step.queue} is full (put ${step.blocking === false ? "without blocking" : `timed out after ${step.timeoutMs} ms`}); give the step an "into" to handle it`);
        return;
      }
      case "get": {
        trace.emit("get", "B", { queue: step.queue });
        const result = await this.services.call({ type: "queue.get", queue: step.queue, blocking: step.blocking ?? true, timeoutMs: step.timeoutMs });
        trace.emit("get", "E", result.ok ? { queue: step.queue, ok: true, value: result.value } : { queue: step.queue, ok: false });
        if (step.into) this.locals.set(step.into, result.ok ? result.value : null);
        else if (!result.ok) throw new ActorFailure(`queue ${step.queue} is empty (get ${step.blocking === false ? "without blocking" : `timed out after ${step.timeoutMs} ms`}); give the step an "into" to handle it`);
        return;
      }
      case "task_done":
        await this.services.call({ type: "queue.task_done", queue: step.queue });
        trace.emit("task_done", "I", { queue: step.queue });
        return;
      case "spawn": {
        trace.emit("spawn", "B", { actor: step.actor });
        const names = await this.services.call({ type: "actor.spawn", group: step.actor, index: this.instanceIndex(step.index) });
        trace.emit("spawn", "E", { actor: step.actor, names });
        return;
      }
      case "join": {
        if (step.queue !== void 0) {
          trace.emit("join", "B", { queue: step.queue });
          const ok = await this.services.call({ type: "queue.join", queue: step.queue, timeoutMs: step.timeoutMs });
          trace.emit("join", "E", { queue: step.queue, ok });
        } else {
          trace.emit("join", "B", { actor: step.actor });
          const ok = await this.services.call({ type: "actor.join", group: step.actor, index: this.instanceIndex(step.index), timeoutMs: step.timeoutMs });
          trace.emit("join", "E", { actor: step.actor, ok });
        }
        return;
      }
      case "terminate":
        const index = this.instanceIndex(step.index);
        await this.services.call({ type: "actor.terminate", group: step.actor, index });
        trace.emit("terminate", "I", { actor: step.actor, index: index ?? null });
        return;
      case "is_alive": {
        const alive = await this.services.call({ type: "actor.is_alive", group: step.actor, index: this.instanceIndex(step.index) });
        this.locals.set(step.into, alive);
        trace.emit("is_alive", "I", { actor: step.actor, alive });
        return;
      }
      case "file_append": {
        const text2 = this.text(this.evaluate(step.text));
        const file = this.filePath(step.path);
        await mkdir(dirname2(file), { recursive: true });
        await appendFile(file, text2);
        trace.emit("file_append", "I", { path: step.path, bytes: Buffer.byteLength(text2) });
        return;
      }
      case "file_read": {
        let text2;
        try {
          text2 = await readFile(this.filePath(step.path), "utf8");
        } catch (error) {
          if (error.code === "ENOENT") throw new ActorFailure(`file ${step.path} does not exist in the run folder`);
          throw error;
        }
        this.locals.set(step.into, text2);
        trace.emit("file_read", "I", { path: step.path, bytes: Buffer.byteLength(text2) });
        return;
      }
      case "log": {
        const values = Object.fromEntries(Object.entries(step.values ?? {}).map(([key, v2]) => [key, this.evaluate(v2)]));
        const message = step.message.replace(/\{([A-Za-z_][A-Za-z0-9_-]*)\}/g, (whole, key) => key in values ? this.text(values[key]) : whole);
        trace.emit("log", "I", { message }, true);
        return;
      }
      case "record":
        trace.emit("record", "I", { name: step.name, value: this.evaluate(step.value) }, true);
        return;
      case "mark":
        trace.emit("mark", "I", { name: step.name }, true);
        return;
      case "fail":
        throw new ActorFailure(step.message);
      case "repeat": {
        const summary = step.trace === "summary" || step.trace === void 0 && step.times > 1e4;
        trace.emit("repeat", "B", { times: step.times, trace: summary ? "summary" : "each" });
        if (summary) trace.mute();
        try {
          for (let i = 0; i < step.times; i++) await this.steps(step.steps);
        } finally {
          if (summary) trace.unmute();
        }
        trace.emit("repeat", "E", { times: step.times });
        return;
      }
      case "if": {
        const taken = this.test(step.cond);
        trace.emit("if", "I", { taken });
        if (taken) await this.steps(step.then);
        else if (step.else) await this.steps(step.else);
        return;
      }
      case "section":
        trace.emit("section", "B", { name: step.name }, true);
        try {
          await this.steps(step.steps);
        } finally {
          trace.emit("section", "E", { name: step.name }, true);
        }
        return;
      default:
        assertNever(step, "step");
    }
  }
};

// src-main/engine/actors/var-access.ts
var WordVars = class {
  constructor(words, layout, call) {
    this.words = words;
    this.layout = layout;
    this.call = call;
  }
  words;
  layout;
  call;
  at(name2, index) {
    const slot = this.layout.vars[name2];
    if (!slot) return null;
    if (!slot.array) {
      if (index !== void 0) throw new ActorFailure(`${name2} is a single value, not an array`);
      return slot.offset;
    }
    const i = index === void 0 ? 0 : index;
    if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= slot.length) {
      throw new ActorFailure(`index ${JSON.stringify(index)} is outside ${name2} (0 to ${slot.length - 1})`);
    }
    return slot.offset + i;
  }
  read(name2, index) {
    const word = this.at(name2, index);
    if (word === null) return this.call({ type: "managed.read", name: name2, index });
    return Atomics.load(this.words, word);
  }
  write(name2, index, value) {
    const word = this.at(name2, index);
    if (word === null) return this.call({ type: "managed.write", name: name2, index, value }).then(() => void 0);
    if (typeof value !== "number" || !Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
      throw new ActorFailure(`${name2} holds 32-bit integers; cannot write ${JSON.stringify(value)} (use a managed variable for other values)`);
    }
    Atomics.store(this.words, word, value);
  }
  add(name2, index, delta) {
    const word = this.at(name2, index);
    if (word === null) return this.call({ type: "managed.add", name: name2, index, delta });
    if (!Number.isInteger(delta)) throw new ActorFailure(`${name2} holds integers; cannot add ${delta}`);
    return Atomics.add(this.words, word, delta) + delta | 0;
  }
};

// src-main/engine/sync/primitives.ts
var PrimitiveError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "PrimitiveError";
  }
};
var STATE = 0;
var OWNER = 1;
var DEPTH = 2;
var WAITERS = 1;
var BARRIER_COUNT_BITS = 16;
var BARRIER_COUNT_MASK = (1 << BARRIER_COUNT_BITS) - 1;
function* mutexAcquire(m, p, owner, deadline) {
  const state = p.offset + STATE;
  let c = Atomics.compareExchange(m, state, 0, 1);
  if (c !== 0) {
    if (deadline <= 0) return false;
    if (c !== 2) c = Atomics.exchange(m, state, 2);
    while (c !== 0) {
      const outcome = yield { index: state, expected: 2, deadline };
      if (outcome === "timed-out") {
        if (Atomics.compareExchange(m, state, 0, 2) !== 0) return false;
        break;
      }
      c = Atomics.exchange(m, state, 2);
    }
  }
  Atomics.store(m, p.offset + OWNER, owner);
  return true;
}
function mutexRelease(m, p) {
  const state = p.offset + STATE;
  if (Atomics.load(m, state) === 0) throw new PrimitiveError(`release of ${p.name}, which is not locked`);
  Atomics.store(m, p.offset + OWNER, 0);
  if (Atomics.sub(m, state, 1) !== 1) {
    Atomics.store(m, state, 0);
    Atomics.notify(m, state, 1);
  }
}
function* rlockAcquire(m, p, owner, deadline) {
  if (Atomics.load(m, p.offset + OWNER) === owner) {
    Atomics.add(m, p.offset + DEPTH, 1);
    return true;
  }
  const got = yield* mutexAcquire(m, p, owner, deadline);
  if (got) Atomics.store(m, p.offset + DEPTH, 1);
  return got;
}
function rlockRelease(m, p, owner) {
  if (Atomics.load(m, p.offset + OWNER) !== owner) throw new PrimitiveError(`release of ${p.name} by an actor that does not hold it (an rlock is released by its owner)`);
  if (Atomics.sub(m, p.offset + DEPTH, 1) === 1) mutexRelease(m, p);
}
function rlockReleaseAll(m, p, owner) {
  if (Atomics.load(m, p.offset + OWNER) !== owner) throw new PrimitiveError(`wait on a condition whose lock ${p.name} is not held by this actor`);
  const depth = Atomics.exchange(m, p.offset + DEPTH, 0);
  mutexRelease(m, p);
  return depth;
}
function* semaphoreAcquire(m, p, deadline) {
  const value = p.offset + STATE;
  for (; ; ) {
    const v2 = Atomics.load(m, value);
    if (v2 > 0) {
      if (Atomics.compareExchange(m, value, v2, v2 - 1) === v2) return true;
      continue;
    }
    if (deadline <= 0) return false;
    Atomics.add(m, p.offset + WAITERS, 1);
    const outcome = yield { index: value, expected: 0, deadline };
    Atomics.sub(m, p.offset + WAITERS, 1);
    if (outcome === "timed-out") {
      const last = Atomics.load(m, value);
      if (last > 0 && Atomics.compareExchange(m, value, last, last - 1) === last) return true;
      return false;
    }
  }
}
function semaphoreRelease(m, p) {
  const value = p.offset + STATE;
  if (p.type === "bounded-semaphore") {
    for (; ; ) {
      const v2 = Atomics.load(m, value);
      if (v2 >= p.value) throw new PrimitiveError(`${p.name} released more times than it was acquired (bounded at ${p.value})`);
      if (Atomics.compareExchange(m, value, v2, v2 + 1) === v2) break;
    }
  } else {
    Atomics.add(m, value, 1);
  }
  if (Atomics.load(m, p.offset + WAITERS) > 0) Atomics.notify(m, value, 1);
}
function* eventWait(m, p, deadline) {
  const flag = p.offset + STATE;
  for (; ; ) {
    if (Atomics.load(m, flag) === 1) return true;
    const outcome = yield { index: flag, expected: 0, deadline };
    if (outcome === "timed-out") return Atomics.load(m, flag) === 1;
  }
}
function eventSet(m, p) {
  Atomics.store(m, p.offset + STATE, 1);
  Atomics.notify(m, p.offset + STATE);
}
function eventClear(m, p) {
  Atomics.store(m, p.offset + STATE, 0);
}
function* conditionWait(m, cond, lock, owner, deadline) {
  const seqIndex = cond.offset + STATE;
  const seq = Atomics.load(m, seqIndex);
  let depth = 1;
  if (lock.type === "rlock") depth = rlockReleaseAll(m, lock, owner);
  else {
    if (Atomics.load(m, lock.offset + OWNER) !== owner) throw new PrimitiveError(`wait on ${cond.name} without holding its lock ${lock.name}`);
    mutexRelease(m, lock);
  }
  const outcome = yield { index: seqIndex, expected: seq, deadline };
  if (lock.type === "rlock") {
    yield* mutexAcquire(m, lock, owner, Infinity);
    Atomics.store(m, lock.offset + DEPTH, depth);
  } else {
    yield* mutexAcquire(m, lock, owner, Infinity);
  }
  return outcome !== "timed-out";
}
function conditionNotify(m, cond, lock, owner, count) {
  if (Atomics.load(m, lock.offset + OWNER) !== owner) throw new PrimitiveError(`notify on ${cond.name} without holding its lock ${lock.name}`);
  Atomics.add(m, cond.offset + STATE, 1);
  Atomics.notify(m, cond.offset + STATE, count === Infinity ? void 0 : count);
}
function* barrierWait(m, p, deadline) {
  const word = p.offset + STATE;
  for (; ; ) {
    const current = Atomics.load(m, word);
    const generation = current >>> BARRIER_COUNT_BITS;
    const count = current & BARRIER_COUNT_MASK;
    if (count + 1 >= p.value) {
      const next = (generation + 1 & 32767) << BARRIER_COUNT_BITS;
      if (Atomics.compareExchange(m, word, current, next) !== current) continue;
      Atomics.notify(m, word);
      return 0;
    }
    const arrived = generation << BARRIER_COUNT_BITS | count + 1;
    if (Atomics.compareExchange(m, word, current, arrived) !== current) continue;
    const index = p.value - 1 - (count + 1) + 1;
    for (; ; ) {
      const now = Atomics.load(m, word);
      if (now >>> BARRIER_COUNT_BITS !== generation) return index;
      const outcome = yield { index: word, expected: now, deadline };
      if (outcome === "timed-out") {
        for (; ; ) {
          const last = Atomics.load(m, word);
          if (last >>> BARRIER_COUNT_BITS !== generation) return index;
          if (Atomics.compareExchange(m, word, last, last - 1) === last) return -1;
        }
      }
    }
  }
}
function lockOwner(m, p) {
  return Atomics.load(m, p.offset + OWNER);
}

// src-main/engine/sync/shared-layout.ts
var PRIM_WORDS = 4;
var ACTOR_WORDS = 4;
var ACTOR_WAITING_ON = 0;
var ACTOR_WAIT_SEQ = 1;
var ACTOR_EVENTS_EMITTED = 2;
function buildLayout(spec, actorCount) {
  let offset = 0;
  const vars = {};
  for (const [name2, def] of Object.entries(spec.shared ?? {})) {
    if (def.scope !== "shared") continue;
    const length = Array.isArray(def.initial) ? def.initial.length : 1;
    vars[name2] = { offset, length, array: Array.isArray(def.initial) };
    offset += length;
  }
  const prims = [];
  const declared = Object.entries(spec.primitives ?? {});
  const ids = new Map(declared.map(([name2], i) => [name2, i]));
  let nextHidden = declared.length;
  const hidden = [];
  for (const [name2, def] of declared) {
    const id = ids.get(name2);
    let lockId = null;
    if (def.type === "condition") {
      if (def.lock !== void 0) lockId = ids.get(def.lock) ?? null;
      else {
        lockId = nextHidden++;
        hidden.push({ id: lockId, name: `${name2}.lock`, type: "rlock", offset: 0, lockId: null, value: 0 });
      }
    }
    const value = def.type === "semaphore" || def.type === "bounded-semaphore" ? def.value : def.type === "barrier" ? def.parties : 0;
    prims.push({ id, name: name2, type: def.type, offset: 0, lockId, value });
  }
  const all = [...prims, ...hidden].map((slot) => {
    const placed = { ...slot, offset };
    offset += PRIM_WORDS;
    return placed;
  });
  const actorTableOffset = offset;
  offset += actorCount * ACTOR_WORDS;
  return {
    vars,
    prims: all,
    primByName: Object.fromEntries(all.map((slot) => [slot.name, slot])),
    actorTableOffset,
    actorCount,
    words: Math.max(offset, 1)
  };
}
function createSharedMemory(spec, layout) {
  const memory = new Int32Array(new SharedArrayBuffer(layout.words * 4));
  for (const [name2, slot] of Object.entries(layout.vars)) {
    const def = spec.shared[name2];
    if (def.scope !== "shared") continue;
    if (Array.isArray(def.initial)) memory.set(def.initial, slot.offset);
    else memory[slot.offset] = def.initial;
  }
  for (const prim of layout.prims) {
    if (prim.type === "semaphore" || prim.type === "bounded-semaphore") memory[prim.offset] = prim.value;
  }
  return memory;
}
function actorWord(layout, actorId, word) {
  return layout.actorTableOffset + actorId * ACTOR_WORDS + word;
}

// src-main/engine/sync/drivers.ts
import { performance as performance2 } from "node:perf_hooks";
var AbortedWaitError = class extends Error {
  constructor() {
    super("the wait was abandoned: the actor was stopped");
    this.name = "AbortedWaitError";
  }
};
function deadlineFrom(timeoutMs, blocking = true) {
  if (!blocking) return 0;
  if (timeoutMs === void 0) return Infinity;
  return performance2.now() + timeoutMs;
}
function remaining(deadline) {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance2.now());
}
function runBlocking(op, memory, hooks = {}) {
  let slept = false;
  let longWaitSignalled = false;
  let step = op.next();
  try {
    while (!step.done) {
      const request = step.value;
      if (!slept) {
        slept = true;
        hooks.onFirstSleep?.();
      }
      let left = remaining(request.deadline);
      let outcome;
      if (left === 0) outcome = "timed-out";
      else {
        if (!longWaitSignalled && hooks.longWaitMs !== void 0 && left > hooks.longWaitMs) {
          outcome = Atomics.wait(memory, request.index, request.expected, hooks.longWaitMs);
          if (outcome === "timed-out") {
            longWaitSignalled = true;
            hooks.onLongWait?.();
            left = remaining(request.deadline);
            outcome = left === 0 ? "timed-out" : Atomics.wait(memory, request.index, request.expected, left);
          }
        } else {
          outcome = Atomics.wait(memory, request.index, request.expected, left);
        }
      }
      step = op.next(outcome);
    }
  } finally {
    if (slept) hooks.onWoken?.();
  }
  return step.value;
}
async function runAwaiting(op, memory, hooks = {}) {
  let slept = false;
  let step = op.next();
  try {
    while (!step.done) {
      const request = step.value;
      if (!slept) {
        slept = true;
        hooks.onFirstSleep?.();
      }
      const left = remaining(request.deadline);
      let outcome;
      if (left === 0) outcome = "timed-out";
      else {
        const result = Atomics.waitAsync(memory, request.index, request.expected, left);
        outcome = result.async ? await result.value : result.value;
      }
      if (hooks.isAborted?.()) throw new AbortedWaitError();
      step = op.next(outcome);
    }
  } finally {
    if (slept) hooks.onWoken?.();
  }
  return step.value;
}

// src-main/engine/sync/primitive-access.ts
var PrimitiveAccess = class {
  constructor(memory, layout, actorId, mode, beforeLongWait = () => {
  }, isAborted = () => false) {
    this.memory = memory;
    this.layout = layout;
    this.actorId = actorId;
    this.mode = mode;
    this.beforeLongWait = beforeLongWait;
    this.isAborted = isAborted;
    this.owner = actorId + 1;
  }
  memory;
  layout;
  actorId;
  mode;
  beforeLongWait;
  isAborted;
  owner;
  slot(name2) {
    const slot = this.layout.primByName[name2];
    if (!slot) throw new PrimitiveError(`no primitive named ${name2}`);
    return slot;
  }
  drive(slot, op) {
    const waitingOn = actorWord(this.layout, this.actorId, ACTOR_WAITING_ON);
    const hooks = {
      onFirstSleep: () => {
        Atomics.add(this.memory, actorWord(this.layout, this.actorId, ACTOR_WAIT_SEQ), 1);
        Atomics.store(this.memory, waitingOn, slot.id + 1);
      },
      onWoken: () => Atomics.store(this.memory, waitingOn, 0),
      longWaitMs: 20,
      onLongWait: this.beforeLongWait,
      isAborted: this.isAborted
    };
    if (this.mode === "blocking") {
      try {
        return Promise.resolve(runBlocking(op, this.memory, hooks));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return runAwaiting(op, this.memory, hooks);
  }
  acquire(name2, options = {}) {
    const named = this.slot(name2);
    const slot = named.type === "condition" ? this.layout.prims[named.lockId] : named;
    const deadline = deadlineFrom(options.timeoutMs, options.blocking ?? true);
    switch (slot.type) {
      case "mutex":
        return this.drive(slot, mutexAcquire(this.memory, slot, this.owner, deadline));
      case "rlock":
        return this.drive(slot, rlockAcquire(this.memory, slot, this.owner, deadline));
      case "semaphore":
      case "bounded-semaphore":
        return this.drive(slot, semaphoreAcquire(this.memory, slot, deadline));
      default:
        return Promise.reject(new PrimitiveError(`acquire does not apply to ${name2} (${slot.type})`));
    }
  }
  release(name2) {
    const named = this.slot(name2);
    const slot = named.type === "condition" ? this.layout.prims[named.lockId] : named;
    switch (slot.type) {
      case "mutex":
        return mutexRelease(this.memory, slot);
      case "rlock":
        return rlockRelease(this.memory, slot, this.owner);
      case "semaphore":
      case "bounded-semaphore":
        return semaphoreRelease(this.memory, slot);
      default:
        throw new PrimitiveError(`release does not apply to ${name2} (${slot.type})`);
    }
  }
  /** Event: true once set (false on timeout). Condition: true when notified. Barrier: true when passed. */
  async wait(name2, timeoutMs) {
    const slot = this.slot(name2);
    const deadline = deadlineFrom(timeoutMs);
    switch (slot.type) {
      case "event":
        return { passed: await this.drive(slot, eventWait(this.memory, slot, deadline)) };
      case "condition": {
        const lock = this.layout.prims[slot.lockId];
        return { passed: await this.drive(slot, conditionWait(this.memory, slot, lock, this.owner, deadline)) };
      }
      case "barrier": {
        const index = await this.drive(slot, barrierWait(this.memory, slot, deadline));
        return index < 0 ? { passed: false } : { passed: true, index };
      }
      default:
        throw new PrimitiveError(`wait does not apply to ${name2} (${slot.type})`);
    }
  }
  set(name2) {
    eventSet(this.memory, this.expect(name2, "event"));
  }
  clear(name2) {
    eventClear(this.memory, this.expect(name2, "event"));
  }
  notify(name2, count) {
    const slot = this.expect(name2, "condition");
    conditionNotify(this.memory, slot, this.layout.prims[slot.lockId], this.owner, count);
  }
  /** The lock a condition uses, so that acquire/release on the condition's name can be offered. */
  conditionLock(name2) {
    const slot = this.expect(name2, "condition");
    return this.layout.prims[slot.lockId].name;
  }
  expect(name2, type) {
    const slot = this.slot(name2);
    if (slot.type !== type) throw new PrimitiveError(`${name2} is a ${slot.type}, not a ${type}`);
    return slot;
  }
};

// src-main/engine/trace/trace-buffer.ts
function traceClock(runStartNs) {
  return () => Number(process.hrtime.bigint() - runStartNs);
}
var TraceBuffer = class {
  constructor(options) {
    this.options = options;
    this.now = traceClock(options.runStartNs);
    this.batchSize = options.batchSize ?? 1e3;
  }
  options;
  now;
  rows = [];
  firstSeq = 0;
  nextSeq = 0;
  droppedCount = 0;
  muteDepth = 0;
  mutedCount = 0;
  batchSize;
  /** Events recorded (and so sent, once flushed). */
  get emitted() {
    return this.nextSeq;
  }
  get dropped() {
    return this.droppedCount;
  }
  /** Steps run while muted (a repeat traced as a summary) that emitted nothing. */
  get muted() {
    return this.mutedCount;
  }
  get pending() {
    return this.rows.length;
  }
  mute() {
    this.muteDepth++;
  }
  unmute() {
    this.muteDepth--;
  }
  get isMuted() {
    return this.muteDepth > 0;
  }
  /** Records one event unless muted; `force` records even inside a muted repeat (records, logs, sections). */
  emit(op, ph, data, force = false) {
    if (this.muteDepth > 0 && !force) {
      this.mutedCount++;
      return;
    }
    if (this.nextSeq >= this.options.budget) {
      this.droppedCount++;
      return;
    }
    const t = this.now();
    this.rows.push(data === void 0 ? [this.nextSeq, t, op, ph] : [this.nextSeq, t, op, ph, data]);
    this.nextSeq++;
    this.options.onCount?.(this.nextSeq);
    if (this.rows.length >= this.batchSize) this.flush();
  }
  flush() {
    const rows = this.rows;
    if (rows.length === 0) return;
    this.rows = [];
    const batch = {
      trial: this.options.trial,
      actor: this.options.actor,
      firstSeq: this.firstSeq,
      count: rows.length,
      tFirst: rows[0][1],
      tLast: rows[rows.length - 1][1],
      payload: JSON.stringify(rows)
    };
    this.firstSeq += rows.length;
    this.options.sink(batch);
  }
};

// src-main/engine/runner/broker-queue.ts
var QueueClosedError = class extends Error {
  constructor(name2) {
    super(`queue ${name2} closed: the trial ended`);
    this.name = "QueueClosedError";
  }
};
var BrokerQueue = class {
  constructor(name2, spec) {
    this.name = name2;
    this.spec = spec;
    this.maxsize = spec.maxsize ?? 0;
  }
  name;
  spec;
  items = [];
  getters = [];
  putters = [];
  joiners = [];
  unfinished = 0;
  seq = 0;
  closed = false;
  maxsize;
  get size() {
    return this.items.length;
  }
  get pendingTasks() {
    return this.unfinished;
  }
  full() {
    return this.maxsize > 0 && this.items.length >= this.maxsize;
  }
  priorityOf(value, priority) {
    if (typeof priority === "number") return priority;
    if (typeof value === "number") return value;
    return 0;
  }
  insert(item) {
    this.unfinished++;
    if (this.spec.order === "priority") {
      let i = this.items.length;
      while (i > 0 && this.items[i - 1].priority > item.priority) i--;
      this.items.splice(i, 0, item);
    } else {
      this.items.push(item);
    }
  }
  take() {
    return this.spec.order === "lifo" ? this.items.pop() : this.items.shift();
  }
  /** Hands items to waiting getters and admits waiting putters while there is room. */
  settle() {
    for (; ; ) {
      if (this.items.length > 0 && this.getters.length > 0) {
        const getter = this.getters.shift();
        if (getter.timer) clearTimeout(getter.timer);
        getter.resolve({ ok: true, value: this.take().value });
        continue;
      }
      if (this.putters.length > 0 && !this.full()) {
        const { waiter, item } = this.putters.shift();
        if (waiter.timer) clearTimeout(waiter.timer);
        this.insert(item);
        waiter.resolve(true);
        continue;
      }
      return;
    }
  }
  wait(list2, timeoutMs, onTimeout, entry) {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new QueueClosedError(this.name));
      const waiter = { resolve, timer: null };
      waiter.reject = reject;
      const record = entry(waiter);
      list2.push(record);
      if (timeoutMs !== void 0) {
        waiter.timer = setTimeout(() => {
          const index = list2.indexOf(record);
          if (index >= 0) list2.splice(index, 1);
          resolve(onTimeout);
        }, timeoutMs);
      }
    });
  }
  put(value, priority, blocking, timeoutMs) {
    const item = { value, priority: this.priorityOf(value, priority), seq: this.seq++ };
    if (!this.full() && this.putters.length === 0) {
      this.insert(item);
      this.settle();
      return Promise.resolve(true);
    }
    if (!blocking || timeoutMs === 0) return Promise.resolve(false);
    return this.wait(this.putters, timeoutMs, false, (waiter) => ({ waiter, item }));
  }
  get(blocking, timeoutMs) {
    if (this.items.length > 0 && this.getters.length === 0) {
      const value = this.take().value;
      this.settle();
      return Promise.resolve({ ok: true, value });
    }
    if (!blocking || timeoutMs === 0) return Promise.resolve({ ok: false });
    return this.wait(this.getters, timeoutMs, { ok: false }, (waiter) => waiter);
  }
  taskDone() {
    if (this.unfinished <= 0) throw new Error(`task_done on queue ${this.name} called more times than items were put`);
    this.unfinished--;
    if (this.unfinished === 0) {
      for (const joiner of this.joiners.splice(0)) {
        if (joiner.timer) clearTimeout(joiner.timer);
        joiner.resolve(true);
      }
    }
  }
  join(timeoutMs) {
    if (this.unfinished === 0) return Promise.resolve(true);
    return this.wait(this.joiners, timeoutMs, false, (waiter) => waiter);
  }
  /** Ends every wait: the trial is over. */
  close() {
    this.closed = true;
    const error = new QueueClosedError(this.name);
    const all = [...this.getters, ...this.putters.map((p) => p.waiter), ...this.joiners];
    this.getters.length = 0;
    this.putters.length = 0;
    this.joiners.length = 0;
    for (const waiter of all) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject?.(error);
    }
  }
};

// src-main/engine/runner/deadlock.ts
var DeadlockDetector = class {
  constructor(memory, layout, actorNames, isLive) {
    this.memory = memory;
    this.layout = layout;
    this.actorNames = actorNames;
    this.isLive = isLive;
  }
  memory;
  layout;
  actorNames;
  isLive;
  previous = null;
  /** Returns the cycle once it has been seen twice in a row, else null. */
  sample() {
    const current = this.findCycle();
    const confirmed = current && this.previous && current.key === this.previous.key ? current.cycle : null;
    this.previous = current;
    return confirmed;
  }
  waitsFor(actorId) {
    if (!this.isLive(actorId)) return null;
    const waitingOn = Atomics.load(this.memory, actorWord(this.layout, actorId, ACTOR_WAITING_ON));
    if (waitingOn === 0) return null;
    const prim = this.layout.prims[waitingOn - 1];
    if (!prim) return null;
    const lock = prim.type === "condition" ? null : prim;
    if (!lock || lock.type !== "mutex" && lock.type !== "rlock") return null;
    const owner = lockOwner(this.memory, lock) - 1;
    if (owner < 0 || owner === actorId) return null;
    const seq = Atomics.load(this.memory, actorWord(this.layout, actorId, ACTOR_WAIT_SEQ));
    return { prim: lock.id, owner, seq };
  }
  findCycle() {
    const count = this.layout.actorCount;
    const edges = /* @__PURE__ */ new Map();
    for (let id = 0; id < count; id++) {
      const edge = this.waitsFor(id);
      if (edge) edges.set(id, edge);
    }
    const visited = /* @__PURE__ */ new Set();
    for (const start of edges.keys()) {
      if (visited.has(start)) continue;
      const path = [];
      const onPath = /* @__PURE__ */ new Map();
      let node = start;
      while (node !== void 0 && !visited.has(node)) {
        visited.add(node);
        onPath.set(node, path.length);
        path.push(node);
        node = edges.get(node)?.owner;
        if (node !== void 0 && onPath.has(node)) {
          const members = path.slice(onPath.get(node));
          const first = members.indexOf(Math.min(...members));
          const ordered = [...members.slice(first), ...members.slice(0, first)];
          const cycle = ordered.map((id) => {
            const edge = edges.get(id);
            return { actor: this.actorNames[id], waitsFor: this.layout.prims[edge.prim].name, heldBy: this.actorNames[edge.owner] };
          });
          const key = ordered.map((id) => `${id}:${edges.get(id).prim}:${edges.get(id).seq}`).join("|");
          return { cycle, key };
        }
      }
    }
    return null;
  }
};
function describeCycle(cycle) {
  const parts = cycle.map((edge) => `${edge.actor} waits for ${edge.waitsFor} held by ${edge.heldBy}`);
  return `deadlock: ${parts.join("; ")}`;
}

// src-main/engine/runner/trial-analysis.ts
function keyEvents(batches, withAcquires) {
  const events = [];
  for (const batch of batches) {
    if (!batch.payload.includes('"record"') && !batch.payload.includes('"section"') && !(withAcquires && batch.payload.includes('"acquire"'))) continue;
    for (const event of decodeBatch(batch)) {
      if (event.op === "record" || event.op === "section" || withAcquires && event.op === "acquire" && event.ph === "B") events.push(event);
    }
  }
  events.sort((a, b) => a.t - b.t || a.seq - b.seq);
  return events;
}
function analyzeTrial(input) {
  const records = {};
  const inside = /* @__PURE__ */ new Map();
  const maxInside = /* @__PURE__ */ new Map();
  const waitStarts = /* @__PURE__ */ new Map();
  const cycle = input.deadlock?.cycle ?? [];
  for (const event of keyEvents(input.batches, cycle.length > 0)) {
    const data = event.data ?? {};
    if (event.op === "acquire") {
      if (cycle.some((edge) => edge.actor === event.actor && edge.waitsFor === data["prim"])) waitStarts.set(event.actor, event.t);
    } else if (event.op === "record") {
      const name2 = String(data["name"]);
      (records[name2] ??= []).push(data["value"]);
    } else if (event.ph === "B" || event.ph === "E") {
      const name2 = String(data["name"]);
      const now = (inside.get(name2) ?? 0) + (event.ph === "B" ? 1 : -1);
      inside.set(name2, now);
      maxInside.set(name2, Math.max(maxInside.get(name2) ?? 0, now));
    }
  }
  const metrics = {
    wallMs: input.wallMs,
    cpuUserMs: input.cpu.userMs,
    cpuSystemMs: input.cpu.systemMs,
    runnerPeakRssMb: input.runnerPeakRssMb,
    processPeakRssMb: input.processPeakRssMb,
    actorsStarted: input.actors.filter((a) => a.startedNs !== null).length
  };
  const latencies = /* @__PURE__ */ new Map();
  for (const actor of input.actors) {
    if (actor.spawnLatencyMs === null) continue;
    const list2 = latencies.get(actor.kind) ?? [];
    list2.push(actor.spawnLatencyMs);
    latencies.set(actor.kind, list2);
  }
  for (const [kind, list2] of latencies) metrics[`spawnLatencyMs.${kind}`] = list2.reduce((a, b) => a + b, 0) / list2.length;
  for (const [name2, max2] of maxInside) metrics[`section.${name2}.max`] = max2;
  if (input.deadlock && waitStarts.size === cycle.length) {
    metrics["deadlockLatencyMs"] = input.deadlock.detectedAtMs - Math.max(...waitStarts.values()) / 1e6;
  }
  const eventCount = input.actors.reduce((sum, a) => sum + a.eventsReceived, 0);
  const eventsLost = input.actors.reduce((sum, a) => sum + Math.max(0, a.eventsEmitted - a.eventsReceived), 0);
  const eventsDropped = input.actors.reduce((sum, a) => sum + a.eventsDropped, 0);
  metrics["events"] = eventCount;
  return {
    index: input.index,
    warmup: input.warmup,
    status: input.status,
    startedAt: input.startedAt,
    wallMs: input.wallMs,
    metrics,
    actors: input.actors,
    records,
    finalShared: input.finalShared,
    deadlock: input.deadlock,
    error: input.error,
    eventCount,
    eventsLost,
    eventsDropped
  };
}

// src-main/engine/runner/trial.ts
var STOP_GRACE_MS = 150;
var Trial = class {
  constructor(options) {
    this.options = options;
    const { spec } = options;
    let id = 0;
    for (const actor of spec.actors) {
      const count = actor.count ?? 1;
      const group = [];
      for (let index = 0; index < count; index++) {
        let markEnded;
        const ended = new Promise((resolve) => markEnded = resolve);
        const instance = {
          identity: { id: id++, name: count === 1 ? actor.name : `${actor.name}-${index}`, group: actor.name, index, kind: actor.kind, daemon: actor.daemon ?? false },
          spec: actor,
          state: "pending",
          handle: null,
          abort: null,
          requestedNs: null,
          startedNs: null,
          endedNs: null,
          pid: null,
          ppid: null,
          threadId: null,
          exit: "never-started",
          stopReason: null,
          error: null,
          doneReported: false,
          emitted: 0,
          received: 0,
          dropped: 0,
          usage: null,
          ended,
          markEnded,
          brokerPrims: null
        };
        group.push(instance);
        this.instances.push(instance);
      }
      this.byGroup.set(actor.name, group);
    }
    this.layout = buildLayout(spec, this.instances.length);
    this.memory = createSharedMemory(spec, this.layout);
    for (const [name2, def] of Object.entries(spec.queues ?? {})) this.queues.set(name2, new BrokerQueue(name2, def));
    for (const [name2, def] of Object.entries(spec.shared ?? {})) {
      if (def.scope === "managed") this.managed.set(name2, structuredClone(def.initial));
    }
    this.eventBudget = Math.max(1e3, Math.floor(options.limits.maxEvents / Math.max(1, this.instances.length)));
    this.mainEnded = !spec.actors.some((actor) => actor.kind === "main");
  }
  options;
  startNs = process.hrtime.bigint();
  layout;
  memory;
  instances = [];
  byGroup = /* @__PURE__ */ new Map();
  queues = /* @__PURE__ */ new Map();
  managed = /* @__PURE__ */ new Map();
  batches = [];
  eventBudget;
  status = null;
  failure = null;
  deadlock = null;
  daemonsStopped = false;
  mainEnded;
  finished;
  finishedPromise = new Promise((resolve) => this.finished = resolve);
  endNs = null;
  now() {
    return Number(process.hrtime.bigint() - this.startNs);
  }
  async run() {
    mkdirSync(this.options.workDir, { recursive: true });
    const startedAt = (/* @__PURE__ */ new Date()).toISOString();
    const cpuBefore = process.cpuUsage();
    const { signal } = this.options;
    const onAbort = () => this.finish("cancelled", "cancelled by the user");
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const wallTimer = setTimeout(() => this.finish("timed-out", `the trial exceeded its wall-time limit of ${this.options.limits.wallTimeMs} ms`), this.options.limits.wallTimeMs);
    const detector = new DeadlockDetector(this.memory, this.layout, this.instances.map((i) => i.identity.name), (id) => this.instances[id]?.state === "running");
    const deadlockTimer = setInterval(() => {
      const cycle = detector.sample();
      if (cycle) {
        this.deadlock = { detectedAtMs: this.now() / 1e6, cycle, description: describeCycle(cycle) };
        this.finish("deadlocked", this.deadlock.description);
      }
    }, this.options.deadlockSampleMs ?? 200);
    try {
      if (this.status === null) {
        for (const instance of this.instances) {
          if (instance.spec.kind === "main") this.start(instance);
        }
        for (const instance of this.instances) {
          if (instance.spec.kind !== "main" && instance.spec.autostart !== false && this.status === null) this.start(instance);
        }
        this.checkEnd();
      }
      await this.finishedPromise;
    } finally {
      clearTimeout(wallTimer);
      clearInterval(deadlockTimer);
      signal?.removeEventListener("abort", onAbort);
      await this.teardown();
    }
    const cpu = process.cpuUsage(cpuBefore);
    return this.outcome(startedAt, cpu);
  }
  /** Ends the trial (idempotent): the first reason wins. */
  finish(status, detail) {
    if (this.status !== null) return;
    this.status = status;
    this.failure = detail;
    this.endNs = this.now();
    this.finished();
  }
  start(instance) {
    instance.state = "running";
    instance.requestedNs = this.now();
    const { kind } = instance.identity;
    if (kind === "task" || kind === "main") {
      this.startInRunner(instance);
      return;
    }
    const init = {
      runId: this.options.runId,
      trial: this.options.index,
      runStartNs: this.startNs.toString(),
      spec: this.options.spec,
      actor: instance.identity,
      actorCount: this.instances.length,
      workDir: this.options.workDir,
      eventBudget: this.eventBudget,
      runnerPid: process.pid,
      ...kind === "thread" ? { memory: this.memory.buffer } : { privateWords: Array.from(this.memory.subarray(0, this.layout.actorTableOffset)) }
    };
    try {
      const handle = this.options.hosts[kind].start(init, (message) => this.onActorMessage(instance, message), { memoryMb: this.options.limits.memoryMbPerActor });
      instance.handle = handle;
      instance.pid = handle.pid;
      void handle.exited.then((exit) => this.onActorExit(instance, exit.code, exit.signal, exit.error));
    } catch (error) {
      instance.error = `could not start ${instance.identity.name}: ${error.message}`;
      this.endInstance(instance, "failed");
    }
  }
  startInRunner(instance) {
    const abort = new AbortController();
    instance.abort = abort;
    instance.pid = process.pid;
    instance.ppid = process.ppid;
    instance.threadId = threadId;
    const trace = new TraceBuffer({
      actor: instance.identity.name,
      trial: this.options.index,
      runStartNs: this.startNs,
      budget: this.eventBudget,
      sink: (batch) => this.receiveBatch(instance, batch),
      onCount: (n) => instance.emitted = n
    });
    const isAborted = () => abort.signal.aborted;
    const call = (request) => {
      if (isAborted()) return Promise.reject(new ActorFailure("stopped"));
      trace.flush();
      return this.handleRequest(instance, request);
    };
    const services = {
      self: { ...instance.identity, pid: process.pid, ppid: process.ppid, threadId },
      trace,
      prims: new PrimitiveAccess(this.memory, this.layout, instance.identity.id, "awaiting", () => trace.flush(), isAborted),
      vars: new WordVars(this.memory, this.layout, call),
      workDir: this.options.workDir,
      call,
      block: blockThread,
      sleep: (ms) => sleepFor(ms, void 0, { signal: abort.signal })
    };
    instance.startedNs = this.now();
    trace.emit("actor", "B", { kind: instance.identity.kind, pid: process.pid, ppid: process.ppid, threadId });
    void Promise.resolve().then(() => new Interpreter(services).run(instance.spec.program)).then(
      () => null,
      (error) => error instanceof Error ? error.message : String(error)
    ).then((error) => {
      if (!isAborted()) trace.emit("actor", "E", { ok: error === null, ...error ? { error } : {} });
      trace.flush();
      instance.doneReported = true;
      if (isAborted()) return this.endInstance(instance, instance.stopReason ?? "cancelled");
      instance.error = error;
      this.endInstance(instance, error === null ? "completed" : "failed");
    });
  }
  receiveBatch(instance, batch) {
    instance.received += batch.count;
    this.batches.push(batch);
    this.options.onBatch?.(batch);
  }
  onActorMessage(instance, message) {
    switch (message.type) {
      case "started":
        instance.startedNs = message.t;
        instance.pid = message.pid;
        instance.ppid = message.ppid;
        instance.threadId = message.threadId;
        return;
      case "events":
        this.receiveBatch(instance, message.batch);
        return;
      case "call":
        this.handleRequest(instance, message.request).then(
          (value) => instance.handle?.post({ type: "reply", id: message.id, ok: true, value: value ?? null }),
          (error) => instance.handle?.post({ type: "reply", id: message.id, ok: false, error: serializeError(error) })
        );
        return;
      case "done":
        instance.doneReported = true;
        instance.emitted = message.emitted;
        instance.dropped = message.dropped;
        instance.endedNs = message.t;
        instance.usage = message.usage;
        if (!message.ok && instance.stopReason === null) instance.error = message.error;
        return;
      default:
        assertNever(message);
    }
  }
  onActorExit(instance, code, signal, hostError) {
    if (instance.state === "ended") return;
    if (instance.stopReason) return this.endInstance(instance, instance.stopReason);
    if (!instance.doneReported) {
      instance.error = hostError ?? `${instance.identity.name} exited before finishing its program (code ${code}, signal ${signal})`;
      return this.endInstance(instance, "failed");
    }
    this.endInstance(instance, instance.error ? "failed" : "completed");
  }
  endInstance(instance, exit) {
    if (instance.state === "ended") return;
    instance.state = "ended";
    instance.exit = exit;
    instance.endedNs ??= this.now();
    if (instance.identity.kind === "thread" && !instance.doneReported) {
      instance.emitted = Atomics.load(this.memory, actorWord(this.layout, instance.identity.id, ACTOR_EVENTS_EMITTED));
    }
    instance.markEnded();
    if (exit === "failed" && this.status === null) {
      this.finish("failed", `${instance.identity.name} failed: ${instance.error ?? "unknown error"}`);
      return;
    }
    if (instance.spec.kind === "main") this.mainEnded = true;
    this.checkEnd();
  }
  checkEnd() {
    if (this.status !== null || !this.mainEnded) return;
    if (!this.daemonsStopped) {
      const nonDaemonsLeft = this.instances.some((i) => i.state === "running" && !i.identity.daemon);
      if (!nonDaemonsLeft) {
        this.daemonsStopped = true;
        for (const instance of this.instances) {
          if (instance.state === "running" && instance.identity.daemon) void this.stop(instance, "daemon-stopped");
        }
      }
    }
    if (this.instances.every((i) => i.state !== "running" || i.identity.daemon)) this.finish("ok", null);
  }
  /** Stops one actor: a polite stop for processes (they flush their events), then its process group is killed. */
  async stop(instance, reason) {
    if (instance.state !== "running") return;
    instance.stopReason ??= reason;
    const { kind } = instance.identity;
    if (kind === "task" || kind === "main") {
      instance.abort?.abort();
      return;
    }
    const handle = instance.handle;
    if (!handle) return this.endInstance(instance, reason);
    if (kind === "process" || kind === "utility") {
      handle.post({ type: "stop" });
      const exited = await Promise.race([handle.exited.then(() => true), sleepFor(STOP_GRACE_MS).then(() => false)]);
      if (exited) return;
    }
    await handle.kill();
  }
  async teardown() {
    const reason = this.status === "cancelled" ? "cancelled" : this.status === "timed-out" ? "timed-out" : this.status === "deadlocked" ? "deadlocked" : "daemon-stopped";
    for (const queue of this.queues.values()) queue.close();
    await Promise.all(this.instances.filter((i) => i.state === "running").map((i) => this.stop(i, i.identity.daemon && this.status === "ok" ? "daemon-stopped" : reason)));
    for (let index = 0; index < this.memory.length; index++) Atomics.notify(this.memory, index);
    const settled = Promise.all(this.instances.filter((i) => i.state === "running" && i.handle).map((i) => i.ended));
    await Promise.race([settled, sleepFor(1e3)]);
    for (const instance of this.instances) {
      if (instance.state === "running") this.endInstance(instance, instance.stopReason ?? reason);
    }
  }
  select(group, index) {
    const instances = this.byGroup.get(group);
    if (!instances) throw new ActorFailure(`no actor named ${group}`);
    if (index === void 0) return instances;
    const one = instances[index];
    if (!one) throw new ActorFailure(`actor ${group} has no instance ${index}`);
    return [one];
  }
  queue(name2) {
    const queue = this.queues.get(name2);
    if (!queue) throw new ActorFailure(`no queue named ${name2}`);
    return queue;
  }
  brokerPrims(instance) {
    instance.brokerPrims ??= new PrimitiveAccess(this.memory, this.layout, instance.identity.id, "awaiting", () => {
    }, () => instance.state !== "running" || this.status !== null);
    return instance.brokerPrims;
  }
  managedKey(name2, index) {
    if (!this.managed.has(name2)) throw new ActorFailure(`no shared variable named ${name2}`);
    if (index === void 0) return { container: null, key: null };
    const value = this.managed.get(name2);
    if (Array.isArray(value)) {
      if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index > value.length) throw new ActorFailure(`index ${JSON.stringify(index)} is outside ${name2}`);
      return { container: value, key: index };
    }
    if (value !== null && typeof value === "object") {
      if (typeof index !== "string" && typeof index !== "number") throw new ActorFailure(`key ${JSON.stringify(index)} of ${name2} must be a string or number`);
      return { container: value, key: String(index) };
    }
    throw new ActorFailure(`${name2} holds a single value, not an array or object`);
  }
  /** The broker: requests from any actor kind, answered by the runner. Errors become the actor's failure. */
  async handleRequest(instance, request) {
    switch (request.type) {
      case "queue.put":
        return this.queue(request.queue).put(request.value, request.priority, request.blocking, request.timeoutMs);
      case "queue.get":
        return this.queue(request.queue).get(request.blocking, request.timeoutMs);
      case "queue.task_done":
        try {
          this.queue(request.queue).taskDone();
        } catch (error) {
          throw new ActorFailure(error.message);
        }
        return null;
      case "queue.join":
        return this.queue(request.queue).join(request.timeoutMs);
      case "actor.spawn": {
        const targets = this.select(request.group, request.index);
        for (const target of targets) {
          if (target.state !== "pending") throw new ActorFailure(`${target.identity.name} was already started: an actor starts once`);
        }
        if (this.status !== null) throw new ActorFailure("the trial is ending");
        for (const target of targets) this.start(target);
        return targets.map((t) => t.identity.name);
      }
      case "actor.join": {
        const targets = this.select(request.group, request.index);
        for (const target of targets) {
          if (target.state === "pending") throw new ActorFailure(`cannot join ${target.identity.name}: it was never started`);
          if (target === instance) throw new ActorFailure(`${instance.identity.name} cannot join itself`);
        }
        const all = Promise.all(targets.map((t) => t.ended)).then(() => true);
        if (request.timeoutMs === void 0) return all;
        return Promise.race([all, sleepFor(request.timeoutMs).then(() => false)]);
      }
      case "actor.terminate": {
        for (const target of this.select(request.group, request.index)) {
          if (target.state === "running") {
            target.stopReason = "terminated";
            if (target.handle) void target.handle.kill();
            else void this.stop(target, "terminated");
          }
        }
        return null;
      }
      case "actor.is_alive":
        return this.select(request.group, request.index).some((t) => t.state === "running");
      case "managed.read": {
        const { container, key } = this.managedKey(request.name, request.index);
        const value = container === null ? this.managed.get(request.name) : container[key];
        return value === void 0 ? null : structuredClone(value);
      }
      case "managed.write": {
        const { container, key } = this.managedKey(request.name, request.index);
        if (container === null) this.managed.set(request.name, structuredClone(request.value));
        else container[key] = structuredClone(request.value);
        return null;
      }
      case "managed.add": {
        const { container, key } = this.managedKey(request.name, request.index);
        const current = container === null ? this.managed.get(request.name) : container[key];
        const base = current === void 0 || current === null ? 0 : current;
        if (typeof base !== "number") throw new ActorFailure(`cannot add to ${request.name}${key === null ? "" : `[${JSON.stringify(key)}]`}: it holds ${JSON.stringify(base)}`);
        const next = base + request.delta;
        if (container === null) this.managed.set(request.name, next);
        else container[key] = next;
        return next;
      }
      case "prim.acquire":
        return this.brokerPrims(instance).acquire(request.prim, { blocking: request.blocking, timeoutMs: request.timeoutMs });
      case "prim.release":
        this.brokerPrims(instance).release(request.prim);
        return null;
      case "prim.wait":
        return this.brokerPrims(instance).wait(request.prim, request.timeoutMs);
      case "prim.set":
        this.brokerPrims(instance).set(request.prim);
        return null;
      case "prim.clear":
        this.brokerPrims(instance).clear(request.prim);
        return null;
      case "prim.notify":
        this.brokerPrims(instance).notify(request.prim, request.count < 0 ? Infinity : request.count);
        return null;
      default:
        return assertNever(request, "broker request");
    }
  }
  finalShared() {
    const out = {};
    for (const [name2, slot] of Object.entries(this.layout.vars)) {
      out[name2] = slot.array ? Array.from(this.memory.subarray(slot.offset, slot.offset + slot.length)) : this.memory[slot.offset];
    }
    for (const [name2, value] of this.managed) out[name2] = value;
    return out;
  }
  outcome(startedAt, cpu) {
    const end = this.endNs ?? this.now();
    const actors = this.instances.map((i) => ({
      name: i.identity.name,
      group: i.identity.group,
      kind: i.identity.kind,
      daemon: i.identity.daemon,
      pid: i.pid,
      threadId: i.threadId,
      ppid: i.ppid,
      requestedNs: i.requestedNs,
      startedNs: i.startedNs,
      endedNs: i.endedNs,
      spawnLatencyMs: i.requestedNs !== null && i.startedNs !== null ? (i.startedNs - i.requestedNs) / 1e6 : null,
      exit: i.exit,
      error: i.error,
      eventsEmitted: Math.max(i.emitted, i.received),
      eventsReceived: i.received,
      eventsDropped: i.dropped
    }));
    const status = this.status ?? "ok";
    const processUsage = this.instances.filter((i) => i.usage && (i.identity.kind === "process" || i.identity.kind === "utility")).map((i) => i.usage);
    const record = analyzeTrial({
      index: this.options.index,
      warmup: this.options.warmup,
      status,
      startedAt,
      wallMs: end / 1e6,
      actors,
      batches: this.batches,
      finalShared: this.finalShared(),
      deadlock: this.deadlock,
      error: status === "ok" ? null : this.failure,
      cpu: {
        userMs: (cpu.user + processUsage.reduce((sum, u) => sum + u.userUs, 0)) / 1e3,
        systemMs: (cpu.system + processUsage.reduce((sum, u) => sum + u.systemUs, 0)) / 1e3
      },
      runnerPeakRssMb: process.resourceUsage().maxRSS / 1024,
      processPeakRssMb: processUsage.length ? Math.max(...processUsage.map((u) => u.maxRssKb)) / 1024 : 0
    });
    return { record, batches: this.batches };
  }
};
function trialWorkDir(root, runId, index) {
  return join3(root, runId, `trial-${index}`);
}

// src-main/engine/runner/experiment.ts
var STATUS_SEVERITY = ["cancelled", "failed", "timed-out", "deadlocked", "interrupted", "ok"];
function overallStatus(trials) {
  let worst = "ok";
  for (const trial of trials) {
    if (STATUS_SEVERITY.indexOf(trial.status) < STATUS_SEVERITY.indexOf(worst)) worst = trial.status;
  }
  return worst;
}
function titleOf(validated, fallback) {
  if (fallback) return fallback;
  const { title, id } = validated.spec;
  if (typeof title === "string") return title;
  if (title) return title.en;
  return id ?? "untitled experiment";
}
async function runExperiment(request) {
  const validated = request.validated ?? validateSpec(request.spec, request);
  const claimSpecs = (validated.spec.claims ?? []).filter(claimApplies);
  const repeat = request.repeat ?? 1;
  const warmup = request.warmup ?? 0;
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 1e3) throw new RangeError(`repeat must be an integer from 1 to 1000, got ${repeat}`);
  if (!Number.isInteger(warmup) || warmup < 0 || warmup > 100) throw new RangeError(`warmup must be an integer from 0 to 100, got ${warmup}`);
  const hosts = { ...nodeHosts, ...request.hosts };
  const substitutions = [];
  if (!request.hosts?.utility && validated.spec.actors.some((actor) => actor.kind === "utility")) {
    substitutions.push({ kind: "utility", ranAs: hosts.utility.mechanism, reason: UTILITY_SUBSTITUTION_REASON });
  }
  const environment = request.environment ?? currentEnvironment();
  const runId = request.runId ?? randomUUID();
  const startedAt = (/* @__PURE__ */ new Date()).toISOString();
  const started = performance.now();
  const meta = {
    id: runId,
    lessonId: request.lessonId ?? null,
    experimentId: request.experimentId ?? null,
    title: titleOf(validated, request.title),
    startedAt,
    spec: validated.spec,
    params: validated.params,
    repeat,
    warmup,
    environment,
    substitutions
  };
  const sink = request.sink;
  await sink?.beginRun(meta);
  const workRoot = request.workRoot ?? join4(tmpdir(), "conlab-runs");
  const total = warmup + repeat;
  const trials = [];
  const allBatches = [];
  const verdicts = /* @__PURE__ */ new Map();
  let events = 0;
  const progress = (phase, index, status2) => request.onProgress?.({ runId, trial: index + 1, trials: total, warmup: index < warmup, phase, elapsedMs: performance.now() - started, events, ...status2 ? { status: status2 } : {} });
  try {
    for (let index = 0; index < total; index++) {
      progress("started", index);
      const trialBatches = [];
      const outcome = await new Trial({
        runId,
        index,
        warmup: index < warmup,
        spec: validated.spec,
        limits: validated.limits,
        workDir: trialWorkDir(workRoot, runId, index),
        hosts,
        signal: request.signal,
        deadlockSampleMs: request.deadlockSampleMs,
        onBatch: (batch) => {
          events += batch.count;
          trialBatches.push(batch);
          sink?.appendBatches(runId, [batch]);
          request.onBatch?.(batch);
        }
      }).run();
      trials.push(outcome.record);
      allBatches.push(...trialBatches);
      await sink?.saveTrial(runId, outcome.record);
      if (index >= warmup) {
        for (const claim of claimSpecs) {
          const list2 = verdicts.get(claim.id) ?? [];
          list2.push({ trial: index, verdict: evaluateClaimOnTrial(claim, { trial: outcome.record, batches: trialBatches, environment, runnerPid: process.pid, runnerThreadId: threadId2 }) });
          verdicts.set(claim.id, list2);
        }
      }
      progress("trial-done", index, outcome.record.status);
      if (outcome.record.status === "cancelled") break;
    }
  } finally {
    rmSync(join4(workRoot, runId), { recursive: true, force: true });
  }
  const counted = trials.filter((trial) => !trial.warmup);
  const status = trials.some((t) => t.status === "cancelled") ? "cancelled" : overallStatus(counted.length ? counted : trials);
  const claims = claimSpecs.map((claim) => combineVerdicts(claim, verdicts.get(claim.id) ?? []));
  const stats = counted.length ? summarizeTrials(counted) : [];
  const warnings = [];
  const slowFirst = counted.length >= 3 ? warmupWarning(counted.map((t) => t.wallMs)) : null;
  if (slowFirst) warnings.push(slowFirst);
  for (const trial of trials) {
    if (trial.eventsLost > 0) {
      const who = trial.actors.filter((a) => a.eventsEmitted > a.eventsReceived).map((a) => `${a.name} (${a.eventsEmitted - a.eventsReceived})`);
      warnings.push(`trial ${trial.index}: ${trial.eventsLost} trace events lost when actors were stopped: ${who.join(", ")}`);
    }
    if (trial.eventsDropped > 0) warnings.push(`trial ${trial.index}: ${trial.eventsDropped} trace events not recorded: the event limit was reached (raise limits.maxEvents)`);
  }
  const firstError = trials.find((t) => t.status !== "ok" && t.error)?.error ?? null;
  const wallMs = performance.now() - started;
  const endedAt = (/* @__PURE__ */ new Date()).toISOString();
  await sink?.finishRun(runId, { status, endedAt, wallMs, stats, claims, warnings, error: firstError, eventCount: events });
  await sink?.flush();
  progress("finished", total - 1, status);
  const run = { ...meta, status, endedAt, wallMs, trials, stats, claims, warnings, error: firstError, tags: [], notes: [] };
  return { run, batches: allBatches };
}

// ../../tmp/mx/probe.ts
v8.setFlagsFromString("--no-concurrent-osr");
var [threads, k] = [Number(process.argv[2]), Number(process.argv[3])];
var steps = process.argv[4] === "nolock" ? [{ op: "add", var: "n", delta: 1 }] : [{ op: "acquire", prim: "m" }, { op: "add", var: "n", delta: 1 }, { op: "release", prim: "m" }];
var v = validateSpec({
  version: 1,
  shared: { n: { scope: "shared", initial: 0 } },
  primitives: { m: { type: "mutex" }, go: { type: "barrier", parties: threads } },
  actors: [{ name: "w", kind: "thread", count: threads, program: [{ op: "wait", prim: "go" }, { op: "mark", name: "go" }, { op: "repeat", times: k, trace: "summary", steps }, { op: "mark", name: "end" }] }]
});
for (let i = 0; i < 3; i++) {
  const { run, batches } = await runExperiment({ spec: v.spec, validated: v });
  const go = [], end = [];
  for (const b of batches) for (const e of decodeBatch(b)) if (e.op === "mark") (e.data?.name === "go" ? go : end).push(e.t);
  console.log(threads, k, run.status, run.trials[0].finalShared["n"], Math.round(threads * k / (Math.max(...end) - Math.max(...go)) * 1e9).toLocaleString());
}
