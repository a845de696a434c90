{% set root = salt['pillar.get']('demo:root') ~ '/' ~ grains['id'] %}
demo_root:
  file.directory:
    - name: {{ root }}
    - makedirs: True

demo_motd:
  file.managed:
    - name: {{ root }}/motd
    - source: salt://demo/files/motd.j2
    - template: jinja
    - mode: '0644'
    - require:
      - file: demo_root

demo_sysctl_preview:
  file.managed:
    - name: {{ root }}/99-demo-sysctl.conf
    - contents: |
        # what sysctl.present would enforce on a real node
        net.ipv4.ip_nonlocal_bind = 1
        net.core.somaxconn = {{ salt['pillar.get']('demo:somaxconn', 1024) }}
    - require:
      - file: demo_root

demo_stamp:
  cmd.run:
    - name: date -u +%FT%TZ > {{ root }}/first-converged
    - creates: {{ root }}/first-converged
    - require:
      - file: demo_motd
