# Site overrides, merged over everything else in pillar (it comes last in top.sls). Empty here.
# A deployment, or `brine lab` (its own pillar root, listed before this one, with a site.sls of the same name),
# sets what differs locally, e.g.:
#   net:
#     cidr: 10.213.7.0/24
#     vip: 10.213.7.100
