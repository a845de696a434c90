x:
  file:
    - name: /tmp/x
