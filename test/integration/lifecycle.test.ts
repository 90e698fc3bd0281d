/** up/down/clean on real namespaces: concurrency of labs, rollback, crash recovery, exit codes. */
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { listNetns } from '../../src/runtime/netns/proc.js';
import { cliMain, halab, repoRoot } from '../helpers/cli.js';
import { expectNoLeaks, ping, takeCensus } from '../helpers/lab.js';

const SMALL = 'test/fixtures/valid/small-ovs.yaml';
// Each test limits its census to the labs it builds, so other labs on the machine do not count;
// the crash-recovery test uses the whole-machine census, as `clean` works on the whole machine.
describe('lab lifecycle', () => {
  test('two labs from one topology are up at once under different names', async () => {
    const before = await takeCensus(['one', 'two']);
    expect((await halab(['up', SMALL, '--name', 'one'])).code).toBe(0);
    expect((await halab(['up', SMALL, '--name', 'two'])).code).toBe(0);
    try {
      expect(await ping('one', 'a', '10.0.0.2')).toBe(true);
      expect(await ping('two', 'a', '10.0.0.2')).toBe(true);
      // Taking one down leaves the other working.
      expect((await halab(['down', 'one'])).code).toBe(0);
      expect(listNetns().filter((n) => n.startsWith('halab.one.'))).toEqual([]);
      expect(await ping('two', 'b', '10.0.0.1')).toBe(true);
      const st = await halab(['status']);
      expect(st.stdout).toContain('lab two (up)');
      expect(st.stdout).not.toContain('lab one');
    } finally {
      await halab(['down', 'one']);
      await halab(['down', 'two']);
    }
    await expectNoLeaks(before);
  });

  test('a name that is already up is refused (exit 2) and the running lab is untouched', async () => {
    const before = await takeCensus('small');
    expect((await halab(['up', SMALL])).code).toBe(0);
    try {
      const again = await halab(['up', SMALL]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("lab 'small' is already up");
      expect(await ping('small', 'a', '10.0.0.2')).toBe(true);
    } finally {
      await halab(['down', 'small']);
    }
    await expectNoLeaks(before);
  });

  test('a failure half-way through up rolls back and names the failing command (exit 1)', async () => {
    const before = await takeCensus('fails-late');
    const r = await halab(['up', 'test/fixtures/valid/fails-late.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ip netns exec halab.fails-late.a sysctl -w net.ipv4.no_such_key=1');
    expect(r.stderr).toMatch(/cannot stat|No such file/);
    expect(r.stderr).toContain('has been removed');
    await expectNoLeaks(before);
  });

  test('up killed with SIGKILL half-way, then clean, leaves nothing', async () => {
    const before = await takeCensus();
    const child = execa('node', [cliMain, 'up', 'topologies/dvr-fip.yaml', '--name', 'killed'], { cwd: repoRoot, reject: false });
    // Wait until OVS daemons are starting (the daemons phase is recorded before it runs).
    const stateFile = '/run/halab/killed/state.json';
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (existsSync(stateFile) && readFileSync(stateFile, 'utf8').includes('"ovs:host2"') && existsSync('/run/halab/killed/nodes/host1/ovs/ovs-vswitchd.pid')) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await child;
    // The crash left a half-built lab behind: that is what clean is for.
    const leftovers = await takeCensus();
    expect(leftovers.namespaces.filter((n) => n.startsWith('halab.killed.')).length).toBeGreaterThan(0);
    const c = await halab(['clean']);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/removed \d+ namespace/);
    await expectNoLeaks(before);
  });

  test('down of a lab whose up was killed uses its state file', async () => {
    const before = await takeCensus('half');
    const child = execa('node', [cliMain, 'up', SMALL, '--name', 'half'], { cwd: repoRoot, reject: false });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !existsSync('/run/halab/half/nodes/sw/ovs/ovs-vswitchd.pid')) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await child;
    const d = await halab(['down', 'half']);
    expect(d.code).toBe(0);
    await expectNoLeaks(before);
  });

  test('a missing program is exit 3 with the package to install, and nothing is created', async () => {
    const before = await takeCensus('small');
    const r = await halab(['up', SMALL], { env: { PATH: '/usr/bin:/bin' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('missing program');
    expect(r.stderr).toMatch(/fix: apt-get install -y .*procps/);
    expect(r.stderr).toContain('openvswitch-switch');
    await expectNoLeaks(before);
  });

  test('not root is exit 3 naming the fix', async () => {
    const before = await takeCensus('small');
    const r = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'node', cliMain, 'up', SMALL], {
      cwd: repoRoot,
      reject: false,
      env: { HOME: '/tmp', TSX_DISABLE_CACHE: '1' },
    });
    expect(r.exitCode).toBe(3);
    expect(String(r.stderr)).toContain('needs root');
    await expectNoLeaks(before);
  });

  test('down of a lab that is not up is a no-op with a message', async () => {
    const r = await halab(['down', 'nosuchlab']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("no lab named 'nosuchlab'");
  });
});
