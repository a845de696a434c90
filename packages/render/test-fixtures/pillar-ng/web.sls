merged: {{ salt['pillar.get']('app', {'workers': 2, 'port': 1}, merge=True) | json }}
plain: {{ salt['pillar.get']('app:port', 1) }}
