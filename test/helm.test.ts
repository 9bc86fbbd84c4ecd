// The Helm chart (deploy/helm/agent-runs), checked by real tools: `helm lint
// --strict`, `helm template`, then every rendered object decoded strictly into
// Kubernetes' own API types (test/peers/k8s-decode: k8s.io/api with
// apimachinery's strict serializer, failing on unknown fields). The test reads
// the decoder's JSON of the typed objects, never the YAML. The settings come
// from SETTINGS, so a new setting the chart lacks fails here.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { SETTINGS } from "../src/config/settings.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const CHART = join(REPO, "deploy/helm/agent-runs");
/** Installed by test/peers/install.sh (`go install helm.sh/helm/v3/cmd/helm@v3.22.0`). */
const HELM = process.env["HELM"] ?? join(homedir(), "go/bin/helm");
/** A version with gRPC probes (GA in 1.27), as the chart's kubeVersion asks; helm built by `go install` assumes 1.20. */
const KUBE_VERSION = "1.34.0";
const exec = promisify(execFile);

interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }
interface Probe { grpc?: { port: number; service?: string | null }; periodSeconds?: number; failureThreshold?: number }
interface Container {
  name: string; image: string; env: EnvVar[]; ports: { name: string; containerPort: number }[];
  livenessProbe?: Probe; readinessProbe?: Probe; startupProbe?: Probe;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}
interface K8sObject {
  kind: string; metadata: { name: string; labels?: Record<string, string> };
  spec: any; stringData?: Record<string, string>;
}

let dir: string;
let decoder: string;

beforeAll(async () => {
  if (!existsSync(HELM)) throw new Error(`helm not found at ${HELM}: run test/peers/install.sh (or set HELM)`);
  dir = await mkdtemp(join(tmpdir(), "agent-runs-helm-"));
  decoder = join(dir, "k8s-decode");
  await exec("go", ["build", "-o", decoder, "."], { cwd: join(REPO, "test/peers/k8s-decode"), timeout: 300_000 });
}, 320_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `helm template` with these values (a JSON file: YAML's superset), strictly decoded. */
async function render(values: Record<string, unknown> = {}): Promise<K8sObject[]> {
  const file = join(dir, `values-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(values));
  const { stdout: yaml } = await exec(HELM, ["template", "rel", CHART, "--kube-version", KUBE_VERSION, "-f", file], { maxBuffer: 16 << 20 });
  const decoded = await new Promise<string>((resolve, reject) => {
    const child = execFile(decoder, [], { maxBuffer: 16 << 20 }, (error, stdout, stderr) => (error ? reject(new Error(`${stderr}\n${yaml}`)) : resolve(stdout)));
    child.stdin!.end(yaml);
  });
  return JSON.parse(decoded) as K8sObject[];
}

const only = (objects: K8sObject[], kind: string) => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};
const containerOf = (objects: K8sObject[]): Container => only(objects, "Deployment").spec.template.spec.containers[0];
const envOf = (container: Container) => new Map(container.env.map((e) => [e.name, e]));

/** What the chart's values say for a setting by default: the service's own default (HOST: every interface). */
function chartDefault(env: string, value: unknown): string {
  if (env === "HOST") return "0.0.0.0";
  if (typeof value === "function" || value === null) return "";
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

/** Settings that are secrets: from Secrets only (MONGODB_URI by `mongodb`, the others by `secretEnv`), never under `config`. */
const SECRET_ENVS = ["MONGODB_URI", "AGENT_RUNS_WEBHOOK_SECRET"];
const SETTABLE = Object.values(SETTINGS).filter((s) => !SECRET_ENVS.includes(s.env));

describe("the Helm chart", () => {
  it("passes helm lint --strict, with the default values and with MongoDB", async () => {
    const { stdout } = await exec(HELM, ["lint", "--strict", CHART, "--kube-version", KUBE_VERSION]);
    expect(stdout).toContain("0 chart(s) failed");
    const withMongo = await exec(HELM, ["lint", "--strict", CHART, "--kube-version", KUBE_VERSION, "--set", "mongodb.uri=mongodb://db:27017", "--set", "replicaCount=3"]);
    expect(withMongo.stdout).toContain("0 chart(s) failed");
  });

  it("renders a Deployment, a Service and a PodDisruptionBudget that decode strictly", async () => {
    const objects = await render();
    expect(objects.map((o) => o.kind).sort()).toEqual(["Deployment", "PodDisruptionBudget", "Service"]);
  });

  it("gives every setting an environment variable, at the service's default", async () => {
    const env = envOf(containerOf(await render()));
    for (const setting of SETTABLE) {
      const name = `${setting.env} (--${setting.flag})`;
      expect(env.has(setting.env), name).toBe(true);
      // An empty value (Kubernetes' JSON leaves it out) is "not set": the service's default.
      expect(env.get(setting.env)?.value ?? "", name).toBe(chartDefault(setting.env, setting.default));
    }
    // Nothing else: a setting removed from the service leaves the chart too.
    expect([...env.keys()].sort()).toEqual(SETTABLE.map((s) => s.env).sort());
    // The memory store unless a Secret holds a URI.
    expect(env.has("MONGODB_URI")).toBe(false);
    const config = loadConfig([], Object.fromEntries([...env].map(([name, e]) => [name, e.value ?? ""])));
    expect(config.store).toBe("memory");
    expect(config.host).toBe("0.0.0.0");
  });

  it("sets every setting from values", async () => {
    const values = Object.fromEntries(SETTABLE.map((s, i) => [s.env, s.switch ? "false" : s.env === "LOG_LEVEL" ? "debug" : s.env === "AGENT_RUNS_STORE" ? "mongodb" : String(9000 + i)]));
    const secretEnv = { AGENT_RUNS_WEBHOOK_SECRET: { name: "hooks", key: "hmac" } };
    const objects = await render({ config: values, mongodb: { existingSecret: "db" }, secretEnv });
    const container = containerOf(objects);
    const env = envOf(container);
    for (const [name, value] of Object.entries(values)) expect(env.get(name)?.value, name).toBe(value);
    for (const name of SECRET_ENVS) expect(env.get(name)?.valueFrom?.secretKeyRef, name).toBeDefined();
    expect(env.get("AGENT_RUNS_WEBHOOK_SECRET")?.valueFrom?.secretKeyRef).toEqual({ name: "hooks", key: "hmac" });
    // The port the service listens on is the container's, the probes' and the Service's target.
    const port = Number(values["PORT"]);
    expect(container.ports).toEqual([{ name: "api", containerPort: port, protocol: "TCP" }]);
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) expect(probe?.grpc?.port).toBe(port);
    // The drain gets its time before SIGKILL.
    const grace = only(objects, "Deployment").spec.template.spec.terminationGracePeriodSeconds as number;
    expect(grace * 1000).toBeGreaterThan(Number(values["AGENT_RUNS_DRAIN_MS"]) + Number(values["AGENT_RUNS_STREAM_FLUSH_MS"]));
  });

  it("has gRPC liveness, readiness and startup probes (grpc.health.v1) and resource requests", async () => {
    const container = containerOf(await render());
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      expect(probe?.grpc?.port).toBe(8080);
      expect(probe?.grpc?.service ?? "").toBe(""); // the whole server, as the health service reports it
    }
    // Liveness outlasts a store outage runs ride out (--store-retry-ms, 120 s).
    const liveness = container.livenessProbe!;
    expect(liveness.periodSeconds! * liveness.failureThreshold! * 1000).toBeGreaterThanOrEqual(Number(SETTINGS.storeRetryMs.default));
    expect(container.resources.requests).toEqual({ cpu: "250m", memory: "512Mi" });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    const pod = only(await render(), "Deployment").spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
  });

  it("takes the MongoDB URI from a Secret: an existing one, or one it creates", async () => {
    const existing = await render({ mongodb: { existingSecret: "shared-mongo", existingSecretKey: "connection-string" } });
    expect(envOf(containerOf(existing)).get("MONGODB_URI")).toEqual({ name: "MONGODB_URI", valueFrom: { secretKeyRef: { name: "shared-mongo", key: "connection-string" } } });
    expect(existing.some((o) => o.kind === "Secret")).toBe(false);

    const created = await render({ mongodb: { uri: "mongodb://db:27017/?replicaSet=rs0" }, replicaCount: 3 });
    const secret = only(created, "Secret");
    expect(secret.stringData).toEqual({ uri: "mongodb://db:27017/?replicaSet=rs0" });
    expect(envOf(containerOf(created)).get("MONGODB_URI")?.valueFrom?.secretKeyRef).toEqual({ name: secret.metadata.name, key: "uri" });
    expect(only(created, "Deployment").spec.replicas).toBe(3);
    // No URI in a plain value anywhere in the Deployment.
    expect(JSON.stringify(only(created, "Deployment"))).not.toContain("mongodb://");
  });

  it("refuses replicas without MongoDB and secrets as plain values", async () => {
    await expect(render({ replicaCount: 2 })).rejects.toThrow(/replicaCount > 1 needs MongoDB/);
    await expect(render({ config: { MONGODB_URI: "mongodb://db" } })).rejects.toThrow(/comes from a Secret/);
    await expect(render({ config: { AGENT_RUNS_WEBHOOK_SECRET: "s3cret" } })).rejects.toThrow(/comes from a Secret/);
  });

  it("has a PodDisruptionBudget and a Service naming the port's protocols, both selecting the pods", async () => {
    const objects = await render({ mongodb: { existingSecret: "db" }, replicaCount: 2 });
    const podLabels = only(objects, "Deployment").spec.template.metadata.labels as Record<string, string>;
    const pdb = only(objects, "PodDisruptionBudget");
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(podLabels).toMatchObject(pdb.spec.selector.matchLabels);
    const service = only(objects, "Service");
    expect(podLabels).toMatchObject(service.spec.selector);
    expect(service.spec.ports).toEqual([
      { name: "grpc", protocol: "TCP", appProtocol: "kubernetes.io/h2c", port: 8080, targetPort: "api" },
      { name: "http", protocol: "TCP", appProtocol: "http", port: 80, targetPort: "api" },
    ]);
  });
});
