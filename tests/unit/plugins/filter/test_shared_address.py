# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lb hosts' cluster interfaces from their facts, and why they cannot share an address."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.kthw.control_plane.plugins.filter.address_interfaces import address_interfaces
from ansible_collections.kthw.control_plane.plugins.filter.shared_address_refusals import shared_address_refusals


def facts(**devices):
    """Gathered network facts: each device name to (address, netmask) or a list of them, the
    first the primary."""
    gathered = {"interfaces": list(devices)}
    for name, addresses in devices.items():
        addresses = addresses if isinstance(addresses, list) else [addresses]
        entry = {"device": name, "ipv4": {"address": addresses[0][0], "netmask": addresses[0][1]}}
        if addresses[1:]:
            entry["ipv4_secondaries"] = [{"address": a, "netmask": m} for a, m in addresses[1:]]
        gathered[name.replace("-", "_")] = entry
    return gathered


LB1 = {"device": "eth0", "address": "10.0.0.8", "prefix": 24, "network": "10.0.0.0/24"}
LB2 = {"device": "eth0", "address": "10.0.0.9", "prefix": 24, "network": "10.0.0.0/24"}


def test_the_interface_holding_each_hosts_cluster_address():
    hostvars = {
        "lb1": {"cluster_node_address": "10.0.0.8",
                "ansible_facts": facts(lo=("127.0.0.1", "255.0.0.0"), eth1=("192.168.1.8", "255.255.255.0"),
                                       eth0=("10.0.0.8", "255.255.255.0"))},
        # A dash in a device name is an underscore in the facts' key.
        "lb2": {"cluster_node_address": "10.1.0.9",
                "ansible_facts": facts(**{"br-ha": [("192.168.1.9", "255.255.255.0"), ("10.1.0.9", "255.255.0.0")]})},
        "lb3": {"cluster_node_address": "10.0.0.10", "ansible_facts": facts(eth0=("10.0.0.11", "255.255.255.0"))},
    }
    assert address_interfaces(hostvars, ["lb1", "lb2", "lb3"]) == {
        "lb1": LB1,
        "lb2": {"device": "br-ha", "address": "10.1.0.9", "prefix": 16, "network": "10.1.0.0/16"},
        "lb3": {},
    }


def test_no_facts_is_no_interface():
    assert address_interfaces({"lb1": {"cluster_node_address": "10.0.0.8"}}, ["lb1"]) == {"lb1": {}}


TAKEN = {"cp1": "10.0.0.11", "lb1": "10.0.0.8", "lb2": "10.0.0.9"}


@pytest.mark.parametrize("interfaces, address, expected", [
    ({"lb1": LB1, "lb2": LB2}, "10.0.0.10", []),
    ({"lb1": LB1, "lb2": LB2}, "", [
        "lb1 and lb2 share the endpoint's address, so it must be set: set cluster_api_endpoint_ip to a free address on "
        "their network (the virtual IP keepalived moves between them)."]),
    ({"lb1": LB1, "lb2": LB2}, "lb.example", ["cluster_api_endpoint_ip (lb.example) is not an IP address."]),
    ({"lb1": LB1, "lb2": LB2}, "10.0.0.11", [
        "cluster_api_endpoint_ip (10.0.0.11) is cp1's own address: the address lb1 and lb2 share must be one no host "
        "has."]),
    ({"lb1": LB1, "lb2": LB2}, "10.0.0.8", [
        "cluster_api_endpoint_ip (10.0.0.8) is lb1's own address: the address lb1 and lb2 share must be one no host "
        "has."]),
    ({"lb1": LB1, "lb2": dict(LB2, network="10.0.1.0/24", device="ens3")}, "10.0.0.10", [
        "cluster_api_endpoint_ip (10.0.0.10) is not on the network of lb2 (10.0.1.0/24 on ens3): the lb hosts can "
        "only share an address of a network they are all on."]),
    ({"lb1": LB1, "lb2": LB2}, "10.0.1.10", [
        "cluster_api_endpoint_ip (10.0.1.10) is not on the network of lb1 (10.0.0.0/24 on eth0) and lb2 (10.0.0.0/24 "
        "on eth0): the lb hosts can only share an address of a network they are all on."]),
    ({"lb1": LB1, "lb2": LB2}, "10.0.0.255", [
        "cluster_api_endpoint_ip (10.0.0.255) is the network or broadcast address of lb1's network (10.0.0.0/24): "
        "choose a host address of it."]),
    ({"lb1": LB1, "lb2": LB2}, "10.0.0.0", [
        "cluster_api_endpoint_ip (10.0.0.0) is the network or broadcast address of lb1's network (10.0.0.0/24): "
        "choose a host address of it."]),
    ({"lb1": LB1, "lb2": {}, "lb3": {}}, "10.0.0.10", [
        "lb2 and lb3 have no interface with their cluster address (cluster_node_ip): the shared address goes on that "
        "interface."]),
    ({"lb1": {}, "lb2": LB2}, "10.0.0.10", [
        "lb1 has no interface with its cluster address (cluster_node_ip): the shared address goes on that "
        "interface."]),
])
def test_shared_address_refusals(interfaces, address, expected):
    assert shared_address_refusals(interfaces, address, TAKEN) == expected
