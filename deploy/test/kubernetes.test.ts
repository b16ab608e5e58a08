import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@batchwatch/proxy';
import { kindOf, schemaErrors, unknownFieldErrors } from './manifests.js';
import { DEPLOY, readText, readYamlDocuments, tempDir } from './support.js';

const DIR = 'deploy/kubernetes';
const files = readdirSync(join(DEPLOY, 'kubernetes')).filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml');
const manifests = files.flatMap((file) => readYamlDocuments(`${DIR}/${file}`).map((manifest) => ({ file, manifest })));
const byKind = (kind: string) => {
  const found = manifests.filter(({ manifest }) => manifest.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!.manifest;
};

const deployment = () => byKind('Deployment');
const container = () => deployment().spec.template.spec.containers[0];
const podLabels = () => deployment().spec.template.metadata.labels as Record<string, string>;
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

/**
 * The container's environment as the proxy would see it: Secret values by plausible placeholders, and the
 * mounted Secret volume by a temporary folder holding the same items (placeholder contents).
 */
const PLACEHOLDERS: Record<string, string> = {
  'azure-tenant-id': '00000000-0000-0000-0000-000000000001',
  'azure-client-id': '00000000-0000-0000-0000-000000000002',
  'azure-client-secret': 'placeholder-secret',
  'api-keys': 'tui=placeholder-key-0123456789',
  'customer-acl': 'tui=*',
};

function containerEnv(): Record<string, string> {
  const mount = container().volumeMounts.find((m: { name: string }) => m.name === 'secrets').mountPath as string;
  const volume = deployment().spec.template.spec.volumes.find((v: { name: string }) => v.name === 'secrets');
  const folder = tempDir('secrets');
  for (const item of volume.secret.items as Array<{ key: string; path: string }>) writeFileSync(join(folder, item.path), `${PLACEHOLDERS[item.key]}\n`);
  const env: Record<string, string> = {};
  for (const entry of container().env as Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { key: string } } }>) {
    const value = entry.value ?? PLACEHOLDERS[entry.valueFrom!.secretKeyRef.key]!;
    env[entry.name] = value.startsWith(`${mount}/`) ? join(folder, value.slice(mount.length + 1)) : value;
  }
  return env;
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('are all listed in kustomization.yaml', () => {
    const [kustomization] = readYamlDocuments(`${DIR}/kustomization.yaml`);
    expect([...kustomization!.resources].sort()).toEqual([...files].sort());
    expect(manifests.map(({ manifest }) => manifest.kind).sort()).toEqual(
      ['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ServiceMonitor'].sort(),
    );
  });

  it.each(manifests.map(({ file, manifest }) => [`${file} (${kindOf(manifest)})`, manifest] as const))(
    '%s is valid against the Kubernetes schema',
    (_name, manifest) => {
      expect(schemaErrors(manifest)).toEqual([]);
    },
  );

  it('use no field the Kubernetes API does not define', () => {
    expect(unknownFieldErrors(manifests.map(({ manifest }) => manifest))).toEqual(manifests.map(() => []));
  }, 60_000);

  it('the checks catch a wrong type and a misspelled field', () => {
    const broken = structuredClone(deployment());
    broken.spec.replicas = 'two';
    expect(schemaErrors(broken).join()).toMatch(/replicas must be integer/);
    const misspelled = structuredClone(deployment());
    const probe = misspelled.spec.template.spec.containers[0].readinessProbe;
    delete misspelled.spec.template.spec.containers[0].readinessProbe;
    misspelled.spec.template.spec.containers[0].readynessProbe = probe;
    expect(schemaErrors(misspelled)).toEqual([]); // the schemas alone let it through…
    expect(unknownFieldErrors([misspelled])[0]!.join()).toMatch(/readynessProbe/); // …the type check does not
  }, 60_000);

  it('terminationGracePeriodSeconds covers the shutdown settings; readiness fails before the listener closes', () => {
    const config = loadConfig(containerEnv());
    const { shutdownDelayMs, shutdownGraceMs } = config.server;
    const pod = deployment().spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(Math.ceil((shutdownDelayMs + shutdownGraceMs) / 1_000) + 5);
    const readiness = container().readinessProbe;
    expect(readiness.httpGet.path).toBe('/readyz');
    expect(readiness.periodSeconds * readiness.failureThreshold * 1_000).toBeLessThanOrEqual(shutdownDelayMs);
    expect(container().livenessProbe.httpGet.path).toBe('/healthz');
    expect(container().startupProbe.httpGet.path).toBe('/healthz');
  });

  it("the container's environment is a configuration the proxy accepts, listening on every interface at the container port", () => {
    const config = loadConfig(containerEnv());
    expect(config.host).toBe('::');
    expect(container().ports).toContainEqual({ name: 'http', containerPort: config.port, protocol: 'TCP' });
    expect(container().ports).toContainEqual({ name: 'metrics', containerPort: config.metrics.port, protocol: 'TCP' });
    // Secrets come from the mounted files, the API keys from a file the proxy follows.
    expect(config.upstream.credential).toMatchObject({ kind: 'client-secret', clientSecret: 'placeholder-secret' });
    expect(config.auth.apiKeysFile).toBeDefined();
    expect(config.auth.apiKeys.map((key) => key.name)).toEqual(['tui']);
  });

  it('runs as the non-root user of the image, read-only, without privileges', () => {
    const pod = deployment().spec.template.spec;
    const user = /^USER (\d+):(\d+)$/m.exec(readText('deploy/Dockerfile'));
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: Number(user?.[1]), runAsGroup: Number(user?.[2]) });
    expect(container().securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container().resources.limits.memory).toBeDefined();
  });

  it('Service, PodDisruptionBudget, NetworkPolicy and ServiceMonitor select the pods and name ports that exist', () => {
    const labels = podLabels();
    const service = byKind('Service');
    expect(matches(deployment().spec.selector.matchLabels, labels)).toBe(true);
    expect(matches(service.spec.selector, labels)).toBe(true);
    expect(matches(byKind('PodDisruptionBudget').spec.selector.matchLabels, labels)).toBe(true);
    expect(byKind('PodDisruptionBudget').spec.maxUnavailable).toBeLessThan(deployment().spec.replicas);
    expect(matches(byKind('NetworkPolicy').spec.podSelector.matchLabels, labels)).toBe(true);
    expect(matches(byKind('ServiceMonitor').spec.selector.matchLabels, service.metadata.labels)).toBe(true);

    const containerPorts = (container().ports as Array<{ name: string }>).map((port) => port.name);
    for (const port of service.spec.ports) expect(containerPorts).toContain(port.targetPort);
    const servicePorts = (service.spec.ports as Array<{ name: string }>).map((port) => port.name);
    for (const endpoint of byKind('ServiceMonitor').spec.endpoints) expect(servicePorts).toContain(endpoint.port);
    for (const rule of byKind('NetworkPolicy').spec.ingress) for (const port of rule.ports) expect(containerPorts).toContain(port.port);
  });
});
