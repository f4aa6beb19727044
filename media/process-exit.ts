/** Whether a process with this pid exists (a zombie not yet reaped counts). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the pid exists but belongs to someone else, so ours is gone and reused.
    const code = (error as NodeJS.ErrnoException).code;
    return code !== 'ESRCH' && code !== 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits until `pid` has exited, sending SIGKILL if it is still there after
 * `graceMs`. Why poll: mediasoup's Worker.close() sends SIGTERM and drops its
 * handle on the child, so no exit event reaches us; node still reaps the child.
 *
 * @returns whether the process is gone
 */
export async function waitForExit(pid: number, graceMs = 3000, killWaitMs = 1000): Promise<boolean> {
  const pollMs = 20;
  const graceEnd = Date.now() + graceMs;
  while (processExists(pid)) {
    if (Date.now() >= graceEnd) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone between the check and the kill.
      }
      const killEnd = Date.now() + killWaitMs;
      while (processExists(pid)) {
        if (Date.now() >= killEnd) return false;
        await sleep(pollMs);
      }
      return true;
    }
    await sleep(pollMs);
  }
  return true;
}
