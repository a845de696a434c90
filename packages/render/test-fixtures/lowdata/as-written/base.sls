docker-repo:
  pkgrepo.managed:
    - name: deb https://download.docker.com/linux/debian bookworm stable
    - require_in:
      - docker
