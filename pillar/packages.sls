# Package names by OS family. Debian names are the default; the dnf (Fedora/RHEL) names differ for
# conntrackd and conntrack (both are in conntrack-tools) and iproute2 (iproute).
{% if grains.get('os_family', 'Debian') == 'RedHat' %}
pkgs:
  keepalived: keepalived
  conntrackd: conntrack-tools
  conntrack: conntrack-tools
  nftables: nftables
  nginx: nginx
  curl: curl
  iproute2: iproute
  nodejs: nodejs
{% else %}
pkgs:
  keepalived: keepalived
  conntrackd: conntrackd
  conntrack: conntrack
  nftables: nftables
  nginx: nginx
  curl: curl
  iproute2: iproute2
  nodejs: nodejs
{% endif %}
