import { parseIpAddr, subnetsOf } from './network-ifaces';

// `ip link show` then `ip addr show` (a down link, a veth with its parent, a secondary address), and what Salt
// 3006.1's salt.utils.network._interfaces_ip / _subnets make of it (key order included).
const IP_OUTPUT = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n2: ifb0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 32\n    link/ether 8a:4c:2e:11:22:33 brd ff:ff:ff:ff:ff:ff\n12: eth0@if13: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default\n    link/ether 02:fc:00:00:00:01 brd ff:ff:ff:ff:ff:ff link-netnsid 0\n\n1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n    inet6 ::1/128 scope host\n       valid_lft forever preferred_lft forever\n2: ifb0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default qlen 32\n    link/ether 8a:4c:2e:11:22:33 brd ff:ff:ff:ff:ff:ff\n12: eth0@if13: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default\n    link/ether 02:fc:00:00:00:01 brd ff:ff:ff:ff:ff:ff link-netnsid 0\n    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\n       valid_lft forever preferred_lft forever\n    inet 192.0.2.9/24 scope global secondary eth0:1\n       valid_lft forever preferred_lft forever\n    inet6 fd00::2/64 scope global\n       valid_lft forever preferred_lft forever\n    inet6 fe80::fc:ff:fe00:1/64 scope link\n       valid_lft forever preferred_lft forever\n";
const SALT = {"lo": {"up": true, "hwaddr": "00:00:00:00:00:00", "inet": [{"address": "127.0.0.1", "netmask": "255.0.0.0", "broadcast": null, "label": "lo"}], "inet6": [{"address": "::1", "prefixlen": "128", "scope": "host"}]}, "ifb0": {"up": false, "hwaddr": "8a:4c:2e:11:22:33"}, "eth0": {"up": true, "parent": "if13", "hwaddr": "02:fc:00:00:00:01", "inet": [{"address": "192.0.2.2", "netmask": "255.255.255.0", "broadcast": "192.0.2.255", "label": "eth0"}], "secondary": [{"type": "inet", "address": "192.0.2.9", "netmask": "255.255.255.0", "broadcast": null, "label": "eth0:1"}], "inet6": [{"address": "fd00::2", "prefixlen": "64", "scope": "global"}, {"address": "fe80::fc:ff:fe00:1", "prefixlen": "64", "scope": "link"}]}};

it('parses ip link/addr show as Salt does, down links and secondaries included, keys in Salt order', () => {
  const got = parseIpAddr(IP_OUTPUT);
  expect(got).toEqual(SALT);
  expect(JSON.stringify(got)).toBe(JSON.stringify(SALT));
});

it('subnets: loopback left out, sorted as Python sorts networks; by interface name or list', () => {
  const table = parseIpAddr(IP_OUTPUT);
  expect(subnetsOf('inet', null, table)).toEqual(['192.0.2.0/24']);
  expect(subnetsOf('inet6', null, table)).toEqual(['fd00::/64', 'fe80::/64']);
  expect(subnetsOf('inet', ['lo'], table)).toEqual([]);
  expect(subnetsOf('inet', 'eth0', table)).toEqual(['192.0.2.0/24']);
  expect(subnetsOf('inet', 'nope', table)).toEqual([]);
});
