postgres-client:
  pkg.installed:
    - name:

empty-name:
  pkg.installed:
    - name: ''

int-name:
  pkg.installed:
    - name: 8080

list-names:
  pkg.installed:
    - names:
      - a
      - b
      - a
      - c:
        - version: 1
        - fromrepo: x
    - version: 2

names-and-name:
  file.absent:
    - name: ignored
    - names:
      - /tmp/n1
      - /tmp/n2
