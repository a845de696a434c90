vrrp:
  priority: 150
  auth: {{ salt['pillar.get']('app:name') }}-secret
