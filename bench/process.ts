/**
 * Whole-process figures (DESIGN.md §7, issue 14): `pcitopo place` of a 600-device unaddressed
 * pseries domain, run as a user runs it (the built dist-cli/bin.cjs, a new Node process each
 * time), against libvirt's own define + dumpxml of the same document (the embedded QEMU driver,
 * one virsh process, as src/cli/verify/sandbox.ts runs it) where libvirt is installed. Runs
 * alternate (pcitopo, libvirt, pcitopo, …) so load on the machine falls on both alike; the figures
 * are medians, and the ratio (budget: at most 1.0) is the median of the pairs' ratios (each pair:
 * one pcitopo run and the libvirt run right after it; its ratio: pcitopo's wall time / libvirt's),
 * which the bench says in words under the figure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkVerifyTools } from '../src/cli/verify/index.ts';
import { Sandbox } from '../src/cli/verify/sandbox.ts';

const RUNS = 15;

/** `n` PCI devices with no address on a pseries guest: virtio disks, NICs and RNGs in turn. */
export function unaddressedPseries(n = 600): string {
  const hex2 = (v: number) => (v & 255).toString(16).padStart(2, '0');
  // vda, vdb, …, vdz, vdaa, …: the names libvirt reads a disk's index from
  const disk = (i: number): string => {
    let name = '';
    for (let k = i + 1; k > 0; k = Math.floor((k - 1) / 26)) name = String.fromCharCode(97 + ((k - 1) % 26)) + name;
    return `vd${name}`;
  };
  const devices: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 3 === 0) devices.push(`    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw'/>\n      <source file='/var/lib/images/d${i}.img'/>\n      <target dev='${disk(i)}' bus='virtio'/>\n    </disk>`);
    else if (i % 3 === 1) devices.push(`    <interface type='user'>\n      <mac address='52:54:00:${hex2(i >> 16)}:${hex2(i >> 8)}:${hex2(i)}'/>\n      <model type='virtio'/>\n    </interface>`);
    else devices.push(`    <rng model='virtio'>\n      <backend model='random'>/dev/urandom</backend>\n    </rng>`);
  }
  return `<domain type='qemu'>\n  <name>bench-600</name>\n  <memory unit='KiB'>4194304</memory>\n  <vcpu>4</vcpu>\n  <os>\n    <type arch='ppc64le' machine='pseries'>hvm</type>\n  </os>\n  <devices>\n${devices.join('\n')}\n  </devices>\n</domain>\n`;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * CPU time (user + system, ms) of this process's children that have ended and been waited for
 * (Linux /proc/self/stat cutime + cstime, in clock ticks of 10 ms; NaN elsewhere): taken around
 * one run, the CPU that run's processes used (for libvirt: runuser, virsh, and what virsh ran),
 * which load on the machine inflates far less than wall time.
 */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): cutime and cstime are fields 16 and 17
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return NaN;
  }
}

export async function wholeProcess(repo: string): Promise<void> {
  const bin = join(repo, 'dist-cli', 'bin.cjs');
  if (!existsSync(bin)) {
    console.log('# place-process: not measured: dist-cli/bin.cjs is missing (npm run bench builds it)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pcitopo-bench-'));
  const domain = join(dir, 'bench-600.xml');
  writeFileSync(domain, unaddressedPseries(600));
  // NODE_EXTRA_CA_CERTS makes Node 20 read and parse those certificates at every start, before any
  // of pcitopo's code runs; pcitopo makes no TLS connection and a user's shell does not set it.
  const env = { ...process.env };
  const extraCa = env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_EXTRA_CA_CERTS;
  const ourCpu: number[] = [];
  const theirCpu: number[] = [];
  const place = (): number => {
    const c0 = childrenCpuMs();
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, 'place', domain], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
    const ms = performance.now() - t0;
    ourCpu.push(childrenCpuMs() - c0);
    if (r.status !== 0 || !r.stdout.includes("<address type='pci'")) throw new Error(`pcitopo place failed: ${r.stderr}`);
    return ms;
  };

  const libvirt = checkVerifyTools('ppc64le');
  let box: Sandbox | undefined;
  let defineXml = '';
  if (libvirt.ok) {
    box = new Sandbox(false);
    defineXml = box.file('bench-600.xml');
    writeFileSync(defineXml, unaddressedPseries(600));
    box.chown();
  }
  const define = async (): Promise<number> => {
    if (!box) return NaN;
    const c0 = childrenCpuMs();
    const t0 = performance.now();
    const r = await box.virsh(`define ${defineXml}; dumpxml bench-600; undefine bench-600`, 120);
    const ms = performance.now() - t0;
    theirCpu.push(childrenCpuMs() - c0);
    if (!r.stdout.includes("<address type='pci'")) throw new Error(`libvirt define failed: ${r.stderr}`);
    return ms;
  };
  try {
    // warm-up: pcitopo's code cache, libvirt's probe of QEMU's capabilities (seconds, once)
    place();
    if (box) await define();
    ourCpu.length = 0;
    theirCpu.length = 0;
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(place());
      if (box) theirs.push(await define());
    }
    console.log(`place-process: ${median(ours).toFixed(1)} ms`);
    console.log(`#   median of ${RUNS}; pcitopo place of ${RUNS} x a 600-device unaddressed pseries domain (${(unaddressedPseries(600).length / 1024).toFixed(0)} KiB), new Node process each time; cpu time median ${median(ourCpu).toFixed(0)} ms (user + system, 10 ms ticks)`);
    if (extraCa) {
      const bare = (withCa: boolean): number => {
        const t0 = performance.now();
        spawnSync(process.execPath, ['-e', '0'], { env: withCa ? process.env : env });
        return performance.now() - t0;
      };
      const withCa: number[] = [];
      const without: number[] = [];
      for (let i = 0; i < 5; i++) {
        withCa.push(bare(true));
        without.push(bare(false));
      }
      console.log(`#   NODE_EXTRA_CA_CERTS is set here and left out of pcitopo's runs: it costs every Node start ${(median(withCa) - median(without)).toFixed(0)} ms on this machine (an empty Node: ${median(without).toFixed(0)} ms without, ${median(withCa).toFixed(0)} ms with)`);
    }
    if (!box) {
      console.log(`# libvirt-define-process: not measured: ${libvirt.missing.join(', ')}`);
      return;
    }
    const version = spawnSync('virsh', ['--version'], { encoding: 'utf8' }).stdout.trim();
    console.log(`libvirt-define-process: ${median(theirs).toFixed(1)} ms`);
    console.log(`#   libvirt ${version}: virsh define + dumpxml (+ undefine) of the same document, embedded QEMU driver${box.runAs ? `, as ${box.runAs} through runuser` : ''}; cpu time median ${median(theirCpu).toFixed(0)} ms (user + system of runuser, virsh and what they ran)`);
    // Each pcitopo run is paired with the libvirt run right after it, so load that comes and goes
    // falls on both sides of a pair: the median of the pairs' ratios is steadier than a ratio of
    // medians on a busy machine (both are printed).
    const pairs = ours.map((o, i) => o / (theirs[i] as number)).sort((a, b) => a - b);
    const ratio = median(pairs);
    console.log(`place-vs-libvirt-ratio: ${ratio.toFixed(2)} x`);
    console.log(`#   the ratio above is the MEDIAN OF ${RUNS} ALTERNATING PAIRS: each pair is one pcitopo place run and the libvirt define + dumpxml run right after it, and its ratio is pcitopo's wall time / libvirt's; the ${RUNS} pairs' ratios, sorted, have their middle one printed (middle half ${(pairs[Math.floor(RUNS / 4)] as number).toFixed(2)}–${(pairs[Math.floor((3 * RUNS) / 4)] as number).toFixed(2)})`);
    console.log(`#   beside it: ratio of the two wall-time medians ${(median(ours) / median(theirs)).toFixed(2)}; ratio of the two cpu-time medians ${(median(ourCpu) / median(theirCpu)).toFixed(2)}; load average ${loadavg()[0]?.toFixed(1) ?? '?'}`);
    console.log(`#   budget 1.0 (pcitopo at least as fast as libvirt): ${ratio <= 1 ? 'met' : 'OVER BUDGET'}`);
  } finally {
    box?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
