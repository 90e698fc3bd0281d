#!/usr/bin/python3
"""Mininet 2.3.0 reference for `npm run bench -- build`: an N-host star on one Linux bridge, no
controller. Prints {"buildS", "stopS"} as JSON on stdout. Run with Debian's /usr/bin/python3."""
import json
import sys
import time

from mininet.log import setLogLevel
from mininet.net import Mininet
from mininet.nodelib import LinuxBridge
from mininet.topo import SingleSwitchTopo

setLogLevel('error')
n = int(sys.argv[1])
t0 = time.monotonic()
net = Mininet(topo=SingleSwitchTopo(n), switch=LinuxBridge, controller=None)
net.start()
t1 = time.monotonic()
ok = net.hosts[0].cmd(f'ping -c 1 -W 2 {net.hosts[-1].IP()} >/dev/null && echo ok').strip() == 'ok'
t2 = time.monotonic()
net.stop()
t3 = time.monotonic()
print(json.dumps({'buildS': t1 - t0, 'stopS': t3 - t2, 'reachable': ok}))
