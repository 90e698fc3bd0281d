import { UsageError } from '../errors.js';

/** A numeric command-line option (undefined when not given); anything else is a usage error (exit 2). */
export function numberOption(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${flag} '${text}' is not a number`);
  return v;
}
