import { spawnSync } from 'node:child_process';
import { isProcessAlive } from '../src/node';

describe('isProcessAlive', () => {
  it('knows this process is alive and a finished one is not', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const child = spawnSync(process.execPath, ['-e', '0']);
    expect(child.status).toBe(0);
    expect(isProcessAlive(child.pid as number)).toBe(false);
  });

  it('counts a process of another user (EPERM) as alive', () => {
    // pid 1 exists on every Linux machine; unless this is root it answers EPERM.
    expect(isProcessAlive(1)).toBe(true);
  });
});
