# OpenBao (Vault API) for compose: persistent file storage, not dev mode. The first start
# needs `compose/openbao-init.sh` (init, then unseal); every restart needs an unseal.
ui = true

storage "file" {
  path = "/openbao/file"
}

# Plain HTTP on the compose network only; the published port is bound to
# MATEWAY_BIND_ADDRESS (127.0.0.1 by default). Terminate TLS in front before exposing it.
listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_disable = true
}

api_addr = "http://openbao:8200"

# Containers cannot mlock without IPC_LOCK; swap should be off on the host instead.
disable_mlock = true
