print("debt-server")
