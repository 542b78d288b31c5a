# OpenBao (Vault API) for compose: a real server keeping its data on disk, not dev mode.
# The first start needs `compose/openbao-init.sh` (init, then unseal); so does every restart
# (unseal). Storage is OpenBao's integrated Raft storage on one node: OpenBao 2.x no longer
# has the `file` backend, and Raft is its supported on-disk store.
ui = true

storage "raft" {
  path    = "/openbao/file"
  node_id = "openbao"
  # Raft's production timing (the default, 5, is a conservative 5x slower; with it the
  # first election alone takes about 8 s).
  performance_multiplier = 1
}

# Plain HTTP on the compose network only; the published port is bound to
# MATEWAY_BIND_ADDRESS (127.0.0.1 by default). Terminate TLS in front before exposing it.
listener "tcp" {
  address         = "0.0.0.0:8200"
  cluster_address = "0.0.0.0:8201"
  tls_disable     = true
}

api_addr     = "http://openbao:8200"
cluster_addr = "http://openbao:8201"
