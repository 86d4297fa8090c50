import fs from 'node:fs';

/**
 * True when a process with this pid exists on this machine (`kill(pid, 0)`: EPERM means it
 * exists but belongs to another user). Non-positive or non-integer pids are never alive.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The start time of a process as the kernel reports it (Linux: field 22 of `/proc/<pid>/stat`,
 * clock ticks since boot), or `undefined` where that is not available. Together with the pid it
 * tells a live lock holder from an unrelated process that later got the same pid.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}
