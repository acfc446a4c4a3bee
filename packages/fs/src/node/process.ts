/**
 * Whether process `pid` exists on this machine: what decides that a lock or a temp file left by
 * another process is stale. EPERM means it exists and belongs to another user, so it counts.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
