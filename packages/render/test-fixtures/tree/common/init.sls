{# Base layer every minion gets. Exercises import_yaml (tpldir-relative), from-import with context, names. #}
{% import_yaml tpldir ~ '/defaults.yaml' as defaults %}
{% from 'common/macros.jinja' import motd_line with context %}
include:
  - .users

base_packages:
  pkg.installed:
    - names:
      - curl
      - {{ defaults.editor }}
      - htop:
        - version: latest

motd:
  file.managed:
    - name: /etc/motd
    - contents: {{ motd_line(defaults.banner) | yaml_dquote }}
    - mode: 644
    - require:
      - pkg: base_packages

timezone_first:
  cmd.run:
    - name: echo first
    - order: first
    - onchanges:
      - file: motd
