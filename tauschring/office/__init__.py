"""The office: members without internet. Member numbers, printable trading
slips, typing up a stack of slips, bookings to or from many at once, acting
for someone (Vollmacht) and letters by post."""
