// The YAML keys of the routed network (`network:` routers, links, OSPF, BFD, ECMP) and of the LVS
// tier (`lvs:` directors, IPVS, keepalived VRRP and health checks). Defaults come from
// the real software: RFC 2328 / FRR lib/libospf.h (hello 10 s, dead 40 s, SPF throttle 0/50/5000 ms,
// cost 10, MULTIPATH_NUM 16), FRR bfdd (300 ms x 3), keepalived (advert_int 1 s, priority 100,
// preempt, delay_loop 60 s, connect_timeout 5 s, retry 1, delay_before_retry 1 s; HTTP_GET 3 s),
// ipvsadm (scheduler wlc; --set tcp 900 tcpfin 120).
// Each schema is built by a function: schema.ts and this file import each other, and functions
// (unlike top-level constants) are ready whichever of the two loads first.
import * as z from 'zod';
import { duration, flag, int, list, oneOf, section, text } from './schema.js';

/** One link: `{ a: edge1, b: lvs1, cost: 10, latency: 50us }`. */
function linkSchema() {
  return section({
    a: text(), // required: a router or a director (lvs1..N)
    b: text(), // required
    cost: int(1, 65535).default(10), // default: 10 (FRR's OSPF_OUTPUT_COST_DEFAULT), a -> b
    reverse_cost: int(1, 65535).optional(), // default: cost (b -> a)
    latency: duration().prefault('50us'), // default: 50us one-way
    carrier: flag().default(false), // default: false (through a switch: a failure is noticed by hellos or BFD only)
  });
}

/** The keys added to `network:` besides `latency`. */
export function networkKeys() {
  return {
    routers: list(text(), 'router names').optional(), // default: none (no routed network; with lvs: one router "edge")
    ingress: z.union([text(), list(text(), 'router names')]).optional(), // default: the first router
    links: list(linkSchema(), 'links ({ a: r1, b: lvs1, cost: 10, latency: 50us })').optional(), // default: none
    hash_policy: oneOf(['l3', 'l4']).default('l3'), // default: l3 (net.ipv4.fib_multipath_hash_policy 0)
    maximum_paths: int(1, 256).default(16), // default: 16 (FRR's MULTIPATH_NUM for a plain build)
    ospf: section({
      hello_interval: duration({ positive: true }).prefault('10s'), // default: 10s
      dead_interval: duration({ positive: true }).prefault('40s'), // default: 40s
      spf_delay: duration().prefault('0ms'), // default: 0ms (FRR timers throttle spf)
      spf_hold: duration().prefault('50ms'), // default: 50ms
      spf_max_hold: duration().prefault('5s'), // default: 5s
      lsa_min_interval: duration().prefault('5s'), // default: 5s (MinLSInterval)
    }).prefault({}),
    // default: false. true or { interval, multiplier }: BFD on every link (FRR: 300ms x 3)
    bfd: z
      .union([
        flag(),
        section({
          interval: duration({ positive: true }).prefault('300ms'), // default: 300ms (receive and transmit)
          multiplier: int(1, 255).default(3), // default: 3 (detect-multiplier)
        }),
      ])
      .default(false),
  };
}

/** The `lvs:` section. */
export function lvsSchema() {
  return section({
    directors: int(1, 256).default(2), // default: 2 (lvs1, lvs2)
    mode: oneOf(['active_backup', 'active_active']).default('active_backup'), // default: active_backup (VRRP pairs lvs1+lvs2, lvs3+lvs4, ...)
    forwarding: oneOf(['dr', 'nat']).default('dr'), // default: dr (replies go from nginx straight to the user)
    scheduler: oneOf(['rr', 'wrr', 'lc', 'wlc', 'sh']).default('wlc'), // default: wlc (ipvsadm's)
    sh_port: flag().default(false), // default: false (sh: hash the source port too)
    sh_fallback: flag().default(false), // default: false (sh: try other buckets when the server is down)
    weights: list(int(0, 65535), 'weights (one per nginx instance)').optional(), // default: 1 for every nginx instance
    latency: duration().prefault('50us'), // default: 50us one-way director <-> nginx
    vip_cost: int(0).default(0), // default: 0 (active_active: the VIP on lo, a stub of cost 0)
    sync: flag().default(false), // default: false (connections are lost on failover)
    timeouts: section({
      tcp: duration({ positive: true }).prefault('900s'), // default: 900s (ESTABLISHED)
      tcp_fin: duration({ positive: true }).prefault('120s'), // default: 120s (FIN_WAIT)
    }).prefault({}),
    vrrp: section({
      version: int(2, 3).default(2), // default: 2 (keepalived's vrrp_version)
      advert_int: duration({ positive: true }).prefault('1s'), // default: 1s
      priority: list(int(1, 255), 'two priorities').prefault([150, 100]), // default: [150, 100] (first, second of each pair)
      preempt: flag().default(true), // default: true
      preempt_delay: duration().prefault('0s'), // default: 0s
    }).prefault({}),
    // default: { type: TCP_CHECK } with keepalived's defaults; false = no checker (servers always up)
    health_check: z
      .union([
        flag(),
        section({
          type: oneOf(['TCP_CHECK', 'HTTP_GET']).default('TCP_CHECK'), // default: TCP_CHECK
          delay_loop: duration({ positive: true }).prefault('60s'), // default: 60s
          connect_timeout: duration({ positive: true }).prefault('5s'), // default: 5s
          retry: int(0).default(1), // default: 1
          delay_before_retry: duration().optional(), // default: 1s (HTTP_GET: 3s)
        }),
      ])
      .prefault({}),
  });
}
