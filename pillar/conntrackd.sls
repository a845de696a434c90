# conntrackd: FTFW state sync between the two balancers (UDP, on the service interface).
conntrackd:
  port: 3780
  # The keepalived notify hook commits the synced entries when this node becomes MASTER (conntrackd's
  # primary-backup.sh logic). False is for the lab's control run only: a NATed stream then dies on failover.
  commit_on_master: True
  hash_size: 32768
  hash_limit: 131072
