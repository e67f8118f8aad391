/**
 * A host that drops SYNs, for timeout tests that must not touch any outside
 * address: a network namespace made for the test, joined to this one by a
 * veth pair on a random /30 from 10.231.0.0/16, with an iptables DROP on the
 * port inside it. Names are unique per run; namespace and veth are deleted
 * in a finally block whatever happens.
 */

/** Why a dropped-SYN test cannot run here (not root, no `ip` or `iptables`), or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (Deno.build.os !== "linux") return "network namespaces need Linux";
  if (Deno.uid() !== 0) return "creating a network namespace needs root";
  for (const tool of ["ip", "iptables"]) {
    if (!onPath(tool)) return `\`${tool}\` is not installed (apt-get install iproute2 iptables)`;
  }
  return undefined;
}

function onPath(tool: string): boolean {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/sbin"]);
  return dirs.some((dir) => {
    try {
      return Deno.statSync(`${dir}/${tool}`).isFile;
    } catch {
      return false;
    }
  });
}

async function run(...args: string[]): Promise<string> {
  const out = await new Deno.Command(args[0], { args: args.slice(1), stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${args.join(" ")} failed (${out.code}): ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** A /30 of 10.231.0.0/16 no interface here uses yet. */
async function freeSubnet(): Promise<[number, number]> {
  const used = await run("ip", "-4", "-o", "addr", "show");
  for (let tries = 0; tries < 50; tries++) {
    const third = Math.floor(Math.random() * 256);
    const fourth = Math.floor(Math.random() * 64) * 4;
    if (!used.includes(`10.231.${third}.${fourth + 1}/`) && !used.includes(`10.231.${third}.${fourth + 2}/`)) {
      return [third, fourth];
    }
  }
  throw new Error("no free /30 in 10.231.0.0/16");
}

/**
 * Runs `fn` with the address of a host inside a fresh namespace whose `port` drops every SYN.
 *
 * @example
 * await withDroppingHost(5432, async (host) => { … connect to host:5432 and expect a timeout … });
 */
export async function withDroppingHost<T>(
  port: number,
  fn: (host: string, names: NetnsNames) => Promise<T>,
): Promise<T> {
  const tag = `${Deno.pid.toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`.slice(-8);
  const ns = `cdt-test-${tag}`;
  const outer = `cdtA${tag}`;
  const inner = `cdtB${tag}`;
  const [third, fourth] = await freeSubnet();
  const near = `10.231.${third}.${fourth + 1}`;
  const far = `10.231.${third}.${fourth + 2}`;
  try {
    await run("ip", "netns", "add", ns);
    await run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner);
    await run("ip", "link", "set", inner, "netns", ns);
    await run("ip", "addr", "add", `${near}/30`, "dev", outer);
    await run("ip", "link", "set", outer, "up");
    await run("ip", "netns", "exec", ns, "ip", "addr", "add", `${far}/30`, "dev", inner);
    await run("ip", "netns", "exec", ns, "ip", "link", "set", inner, "up");
    await run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
    await run("ip", "netns", "exec", ns, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", String(port), "-j", "DROP");
    return await fn(far, { ns, link: outer });
  } finally {
    // Deleting the namespace deletes the veth end inside it and, with it, its peer; the peer is deleted
    // explicitly too in case the namespace never got it.
    await run("ip", "netns", "del", ns).catch(() => {});
    await run("ip", "link", "del", outer).catch(() => {});
  }
}

/** The namespace and outer veth a {@link withDroppingHost} call made. */
export interface NetnsNames {
  ns: string;
  link: string;
}

/** Which of a call's namespace and veth are still on the machine (none, after the call). */
export async function leftovers(names: NetnsNames): Promise<string[]> {
  const namespaces = (await run("ip", "netns", "list")).split("\n").map((l) => l.split(" ")[0]);
  const links = [...(await run("ip", "-o", "link", "show")).matchAll(/^\d+: ([^:@]+)/gm)].map((m) => m[1]);
  return [...namespaces.filter((n) => n === names.ns), ...links.filter((l) => l === names.link)];
}
