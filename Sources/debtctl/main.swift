import DebtCtl
print("debtctl")
