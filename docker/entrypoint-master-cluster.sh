#!/bin/sh
# A master of the compose stack's cluster: /etc/brine/master is docker/master.conf (bind-mounted at
# /opt/brine/docker/master.conf) plus a `cluster:` block, written on every start, so a changed environment takes
# effect on restart even when /etc/brine is a volume holding an older config. The PostgreSQL password comes from
# PGPASSWORD (the store DSN carries none); the cluster key is the `cluster-key` volume, made once by the
# `cluster-key` service and mounted read-only at /etc/brine/pki/cluster.
set -eu
: "${BRINE_CLUSTER_ID:?set BRINE_CLUSTER_ID (the cluster name, the same on every master)}"
: "${BRINE_CLUSTER_STORE:?set BRINE_CLUSTER_STORE (postgresql://user@host:port/db)}"
: "${BRINE_CLUSTER_NAME:?set BRINE_CLUSTER_NAME (this master name in the cluster)}"
mkdir -p /etc/brine
tmp=/etc/brine/.master.$$
{
  cat /opt/brine/docker/master.conf
  echo "cluster:"
  echo "  id: ${BRINE_CLUSTER_ID}"
  echo "  store: ${BRINE_CLUSTER_STORE}"
  echo "  pki_dir: /etc/brine/pki/cluster"
  echo "  name: ${BRINE_CLUSTER_NAME}"
} > "$tmp"
mv "$tmp" /etc/brine/master
exec brine master
