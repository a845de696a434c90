/etc/app.conf:
  file.managed:
    - mode: 644
    - user: root

/etc/app.d:
  file.directory:
    - mode: 0755
    - dir_mode: 755
    - file_mode: 0555
    - recurse:
      - mode

/etc/quoted:
  file.managed:
    - mode: '0600'
    - other: 0700
    - zero: 0
    - zeros: 000
    - neg: -0644
    - hex: 0x1F
    - nine: 09
    - float: 0644.5
    - under: 1_000
    - sexa: 1:30
    - date: 2024-01-02
    - exp: 1e3
