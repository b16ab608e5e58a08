/**
 * The operator's commands around `watch`: login, logout, whoami, customers, upload, list.
 * Each takes its own argv and answers with an exit code; `watch` stays in run.ts.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** node:util names this type only inside its declarations. */
type ParsedResults<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;
import { ExitCode } from '../exit-codes.js';
import { configDir, type Env } from '../config/dir.js';
import { CustomerAliases, CustomerError } from '../config/customers.js';
import { SignInRequiredError } from '../signin/errors.js';

export interface CommandIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: Env;
  fetch?: typeof fetch;
  /** Sign-in storage (tests: a temporary directory and an in-memory keychain). */
  signInStore?: import('../signin/signin.js').SignInStore;
  handleSignals?: boolean;
}

type Handler = (args: string[], io: CommandIO) => Promise<number>;

const handlers: Record<string, () => Promise<Handler>> = {
  login: async () => (await import('./signin.js')).loginCommand,
  logout: async () => (await import('./signin.js')).logoutCommand,
  whoami: async () => (await import('./signin.js')).whoamiCommand,
  customers: async () => customersCommand,
  upload: async () => (await import('./upload.js')).uploadCommand,
  list: async () => (await import('./list.js')).listCommand,
};

export function isOperatorCommand(argv: readonly string[]): boolean {
  return argv[0] !== undefined && Object.hasOwn(handlers, argv[0]);
}

/** Runs `argv` if it names an operator command; errors become words on stderr and an exit code. */
export async function runOperatorCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name = '', ...rest] = argv;
  try {
    return await (
      await handlers[name]!()
    )(rest, io);
  } catch (error) {
    return reportError(error, io);
  }
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function reportError(error: unknown, io: CommandIO): number {
  if (error instanceof UsageError || error instanceof CustomerError) {
    io.stderr.write(`batchwatch: ${error.message}\nRun "batchwatch --help" for usage.\n`);
    return ExitCode.Usage;
  }
  if (error instanceof SignInRequiredError) {
    io.stderr.write(`batchwatch: ${error.message}\n`);
    return ExitCode.NotFoundOrAuth;
  }
  const { name, status, description } = error as { name?: string; status?: number; description?: string };
  if (name === 'PartnerCenterError') {
    io.stderr.write(`batchwatch: Partner Center answered ${status ?? 'nothing'}: ${description ?? (error as Error).message}\n`);
    return status !== undefined && status >= 400 && status < 500 && status !== 429 ? ExitCode.NotFoundOrAuth : ExitCode.Unavailable;
  }
  io.stderr.write(`batchwatch: ${(error as Error)?.message ?? String(error)}\n`);
  return ExitCode.DeviceErrors;
}

/** node:util's parseArgs, its errors turned into usage errors. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
): ParsedResults<{ args: string[]; options: T; allowPositionals: true; strict: true }> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function customerAliases(io: CommandIO): CustomerAliases {
  return new CustomerAliases(io.signInStore?.dir ?? configDir(io.env));
}

async function customersCommand(args: string[], io: CommandIO): Promise<number> {
  const { positionals } = parse(args, {});
  const [action, alias, customerId, ...extra] = positionals;
  const aliases = customerAliases(io);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  switch (action) {
    case 'add': {
      if (!alias || !customerId) throw new UsageError('customers add needs an alias and a customer id: batchwatch customers add contoso <guid>');
      const { replaced } = await aliases.add(alias, customerId);
      io.stdout.write(`${alias} → ${customerId.toLowerCase()}${replaced ? ` (was ${replaced})` : ''}\n`);
      return ExitCode.Clean;
    }
    case 'remove': {
      if (!alias) throw new UsageError('customers remove needs an alias');
      if (await aliases.remove(alias)) {
        io.stdout.write(`removed ${alias}\n`);
        return ExitCode.Clean;
      }
      throw new CustomerError(`no alias "${alias}"`);
    }
    case 'list':
    case undefined: {
      const all = Object.entries(await aliases.all());
      if (all.length === 0) io.stdout.write('no aliases yet; add one with: batchwatch customers add <alias> <customer-id>\n');
      const width = Math.max(0, ...all.map(([name]) => name.length));
      for (const [name, id] of all.sort(([a], [b]) => a.localeCompare(b))) io.stdout.write(`${name.padEnd(width)}  ${id}\n`);
      return ExitCode.Clean;
    }
    default:
      throw new UsageError(`unknown customers action "${action}"; use add, remove or list`);
  }
}

/**
 * `watch <alias> …`: the alias becomes its customer id before the watch's own parsing. `watch <customer>` with no
 * tracking id opens the picker of `list` (on a terminal).
 */
export async function resolveWatchCustomer(argv: readonly string[], io: CommandIO): Promise<readonly string[] | number> {
  const [command, customer, ...rest] = argv;
  if (command !== 'watch' || customer === undefined || customer.startsWith('-')) return argv;
  try {
    if (rest[0] === undefined || rest[0].startsWith('-')) {
      const onTerminal = io.stdout.isTTY === true && io.stdin.isTTY === true;
      if (!onTerminal || rest.some((flag) => flag === '--plain' || flag === '--json')) {
        throw new UsageError('watch needs a batch tracking id; run it in a terminal without one to pick a batch, or see: batchwatch list <customer>');
      }
      const { listCommand } = await import('./list.js');
      return await listCommand([customer, ...rest], io);
    }
    return [command, await customerAliases(io).resolve(customer), ...rest];
  } catch (error) {
    return reportError(error, io);
  }
}
