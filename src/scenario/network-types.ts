// The resolved `network:` topology and `lvs:` sections: the routed network in front of
// nginx (OSPF/ECMP routers, LVS directors with keepalived). Durations in integer microseconds.
// Key names follow the real configuration: FRR `ip ospf hello-interval` / `dead-interval`,
// `timers throttle spf`, `maximum-paths`, `bfd`; keepalived `advert_int`, `priority`, `preempt`,
// `delay_loop`, `connect_timeout`, `retry`, `delay_before_retry`; ipvsadm `--set tcp tcpfin`.

/** The IPVS schedulers modelled (ipvsadm -s). */
export type IpvsSchedulerName = 'rr' | 'wrr' | 'lc' | 'wlc' | 'sh';

export type NetLink = {
  a: string; // a router or a director (lvs1..N)
  b: string;
  cost: number; // OSPF output cost a -> b (1..65535)
  reverse_cost: number; // b -> a
  latency_us: number; // one-way
  // true: a failure is seen at once by both ends (loss of carrier on a direct cable);
  // false: through a switch, the ends notice only when hellos (or BFD) stop
  carrier: boolean;
};

export type OspfTimers = {
  hello_interval_us: number; // RFC 2328 HelloInterval (10 s)
  dead_interval_us: number; // RouterDeadInterval (40 s)
  spf_delay_us: number; // FRR `timers throttle spf DELAY HOLD MAX` (0 / 50 / 5000 ms)
  spf_hold_us: number;
  spf_max_hold_us: number;
  lsa_min_interval_us: number; // MinLSInterval: one origination of a router-LSA per 5 s
};

export type NetworkTopology = {
  routers: string[];
  ingress: string[]; // routers where users' packets enter (several: split by source-address hash)
  links: NetLink[];
  hash_policy: 'l3' | 'l4'; // net.ipv4.fib_multipath_hash_policy 0 | 1
  maximum_paths: number;
  ospf: OspfTimers;
  bfd: { interval_us: number; multiplier: number } | null;
  implicit: boolean; // no `network.routers` given: one router `edge` linked to every director
};

export type HealthCheck = {
  type: 'TCP_CHECK' | 'HTTP_GET';
  delay_loop_us: number;
  connect_timeout_us: number;
  retry: number;
  delay_before_retry_us: number;
};

export type VrrpConfig = {
  version: 2 | 3;
  advert_int_us: number; // as keepalived stores it (rounded to whole s for v2, cs for v3)
  priority: [number, number]; // first and second director of each pair
  preempt: boolean;
  preempt_delay_us: number;
};

export type LvsConfig = {
  directors: string[]; // lvs1..N
  mode: 'active_backup' | 'active_active';
  forwarding: 'dr' | 'nat';
  scheduler: IpvsSchedulerName;
  sh_port: boolean;
  sh_fallback: boolean;
  weights: number[]; // one per nginx instance (the real servers), in nginx order
  latency_us: number; // one-way director <-> nginx (the real servers' LAN)
  vip_cost: number; // active_active: cost of the VIP stub each director announces
  sync: boolean; // IPVS connection synchronisation between the directors of a pair
  timeouts: { tcp_us: number; tcp_fin_us: number }; // ipvsadm --set tcp tcpfin
  vrrp: VrrpConfig;
  health_check: HealthCheck | null;
};
