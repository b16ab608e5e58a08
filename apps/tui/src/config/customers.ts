/**
 * Customer aliases: `batchwatch customers add contoso <guid>`, then `contoso` wherever a customer id goes.
 * Kept in `customers.json` in the config directory.
 */
import { join } from 'node:path';
import { isGuid } from '@batchwatch/client';
import { readJson, writeJson } from './json-file.js';

export type Aliases = Record<string, string>;

const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** isGuid without narrowing: on a `string`, its `false` branch would otherwise be `never`. */
const looksLikeGuid = (text: string): boolean => isGuid(text);

export class CustomerError extends Error {
  override readonly name = 'CustomerError';
}

export class CustomerAliases {
  readonly path: string;
  constructor(dir: string) {
    this.path = join(dir, 'customers.json');
  }

  async all(): Promise<Aliases> {
    const file = await readJson<{ aliases?: Aliases }>(this.path, {});
    return file.aliases ?? {};
  }

  async add(alias: string, customerId: string): Promise<{ replaced?: string }> {
    if (!ALIAS.test(alias) || looksLikeGuid(alias)) {
      throw new CustomerError(`an alias is 1 to 64 letters, digits, dots, dashes or underscores (and not a GUID), got "${alias}"`);
    }
    if (!looksLikeGuid(customerId)) throw new CustomerError(`the customer id must be a GUID like 47021739-3426-40bf-9601-61b4b6d7c793, got "${customerId}"`);
    const aliases = await this.all();
    const key = Object.keys(aliases).find((name) => name.toLowerCase() === alias.toLowerCase());
    const replaced = key === undefined ? undefined : aliases[key];
    if (key !== undefined) delete aliases[key];
    await writeJson(this.path, { aliases: { ...aliases, [alias]: customerId.toLowerCase() } });
    return replaced === undefined ? {} : { replaced };
  }

  /** True when the alias existed. */
  async remove(alias: string): Promise<boolean> {
    const aliases = await this.all();
    const key = Object.keys(aliases).find((name) => name.toLowerCase() === alias.toLowerCase());
    if (key === undefined) return false;
    delete aliases[key];
    await writeJson(this.path, { aliases });
    return true;
  }

  /** A GUID as given, or the GUID an alias (any case) stands for. */
  async resolve(nameOrId: string): Promise<string> {
    // A GUID as given, braces included (`{…}`, as PowerShell prints them): the watch's own parsing reads those.
    if (looksLikeGuid(nameOrId.replace(/^\{(.*)\}$/, '$1'))) return nameOrId;
    const aliases = await this.all();
    const key = Object.keys(aliases).find((name) => name.toLowerCase() === nameOrId.toLowerCase());
    if (key !== undefined) return aliases[key]!;
    const known = Object.keys(aliases);
    throw new CustomerError(
      `the customer id must be a GUID like 47021739-3426-40bf-9601-61b4b6d7c793 or an alias; "${nameOrId}" is neither` +
        (known.length ? ` (known aliases: ${known.join(', ')})` : ' (add an alias with: batchwatch customers add <alias> <customer-id>)'),
    );
  }
}
