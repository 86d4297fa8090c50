/**
 * The single base class of every error lmreg throws on purpose.
 *
 * Each subclass has a stable `code` that programs can switch on; the message says what was wrong
 * and what to do about it; `cause` carries a wrapped lower-level error when there is one.
 */
export class LmregError extends Error {
  /** Stable machine-readable code, e.g. `LMREG_INVALID_ARGUMENT`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** A public function got an argument it cannot use (wrong shape, range or type). */
export class InvalidArgumentError extends LmregError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LMREG_INVALID_ARGUMENT', message, options);
  }
}

/** A string, vector or matrix could not be read as an architecture of a search space. */
export class InvalidArchitectureError extends LmregError {
  /** Name of the search space that refused the input. */
  readonly space: string;

  constructor(space: string, message: string, options?: { cause?: unknown }) {
    super('LMREG_INVALID_ARCHITECTURE', `${space}: ${message}`, options);
    this.space = space;
  }
}

/** A name looked up in a registry (space, sampler, schedule, ...) is not registered. */
export class NotRegisteredError extends LmregError {
  constructor(kind: string, name: string, known: readonly string[]) {
    super('LMREG_NOT_REGISTERED', `unknown ${kind} '${name}'. Registered ${kind}s: ${known.length > 0 ? known.join(', ') : '(none)'}.`);
  }
}

/** A file lmreg reads (data set, checkpoint, landmark set, config) is missing, truncated or corrupt. */
export class FileFormatError extends LmregError {
  /** Path of the offending file, when there is one. */
  readonly file: string | undefined;

  constructor(file: string | undefined, message: string, options?: { cause?: unknown }) {
    super('LMREG_FILE_FORMAT', file === undefined ? message : `${file}: ${message}`, options);
    this.file = file;
  }
}

/** True when `value` is an error thrown by lmreg on purpose. */
export function isLmregError(value: unknown): value is LmregError {
  return value instanceof LmregError;
}

/** A run folder is in use by another live process (its lock file names the holder). */
export class RunLockedError extends LmregError {
  /** The locked folder. */
  readonly dir: string;
  /** Process id of the holder, as recorded in the lock file. */
  readonly pid: number;
  /** Host name of the holder, as recorded in the lock file. */
  readonly hostname: string;

  constructor(dir: string, holder: { pid: number; hostname: string }, message: string) {
    super('LMREG_RUN_LOCKED', message);
    this.dir = dir;
    this.pid = holder.pid;
    this.hostname = holder.hostname;
  }
}
