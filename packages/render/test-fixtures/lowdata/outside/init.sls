app:
  service.running:
    - require:
      - pkg: not-here
      - sls: also.not.here
    - watch:
      - file: /etc/app/*.conf
    - onfail_in:
      - cmd: nowhere
