/**
 * Checks Kubernetes manifests without a cluster, two ways:
 * - against the Kubernetes API's JSON schemas (types, required fields, enums, formats) as compiled into the
 *   `kubernetes-models` packages (Kubernetes 1.27 and prometheus-operator CRDs), offline;
 * - for unknown fields (a misspelled `readinessProbe` is silently ignored by those schemas, as by the API
 *   server without --strict): each document is type-checked by the TypeScript compiler as an object literal
 *   of the package's interface, which rejects any property the API does not define, at any depth.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { ServiceAccount, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

interface Kind {
  validate(manifest: unknown): void;
  /** Module and interface giving the exact shape, for the unknown-field check. */
  type: [module: string, name: string];
}

type Validatable = { validate(): void };
const model = (Model: new (data: any) => Validatable, module: string, name: string): Kind => ({
  validate: (manifest) => new Model(manifest).validate(),
  type: [module, name],
});

const KINDS: Record<string, Kind> = {
  'v1/ServiceAccount': model(ServiceAccount, 'kubernetes-models/v1/ServiceAccount', 'IServiceAccount'),
  'v1/Service': model(Service, 'kubernetes-models/v1/Service', 'IService'),
  'apps/v1/Deployment': model(Deployment, 'kubernetes-models/apps/v1/Deployment', 'IDeployment'),
  'policy/v1/PodDisruptionBudget': model(PodDisruptionBudget, 'kubernetes-models/policy/v1/PodDisruptionBudget', 'IPodDisruptionBudget'),
  'networking.k8s.io/v1/NetworkPolicy': model(NetworkPolicy, 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy', 'INetworkPolicy'),
  'monitoring.coreos.com/v1/ServiceMonitor': model(
    ServiceMonitor,
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
    'IServiceMonitor',
  ),
};

export const kindOf = (manifest: Record<string, any>): string => `${manifest.apiVersion}/${manifest.kind}`;

/** Schema errors of one manifest (empty when valid); an unsupported kind is an error too. */
export function schemaErrors(manifest: Record<string, any>): string[] {
  const kind = KINDS[kindOf(manifest)];
  if (!kind) return [`no schema for ${kindOf(manifest)}`];
  try {
    kind.validate(manifest);
    return [];
  } catch (error) {
    return [String((error as Error).message)];
  }
}

const HERE = dirname(fileURLToPath(import.meta.url));

/** TypeScript diagnostics of `const m: IKind = <manifest>` for each manifest, by manifest index. */
export function unknownFieldErrors(manifests: Array<Record<string, any>>): string[][] {
  const file = join(HERE, '__manifests__.ts'); // virtual: never written to disk
  const lines: string[] = [];
  manifests.forEach((manifest, index) => {
    const [module, name] = KINDS[kindOf(manifest)]?.type ?? [];
    if (!module) return;
    lines.push(`import type { ${name} as T${index} } from '${module}';`);
    lines.push(`export const m${index}: T${index} = ${JSON.stringify(manifest)};`);
  });
  const text = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, text, language) : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  const errors: string[][] = manifests.map(() => []);
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.file?.fileName !== file || diagnostic.start === undefined) {
      errors[0]!.push(message);
      continue;
    }
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    const index = Number(/^(?:import type \{ \w+ as T|export const m)(\d+)/.exec(text.split('\n')[line]!)?.[1]);
    errors[index]!.push(message);
  }
  return errors;
}
