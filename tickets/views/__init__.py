"""Pages, one module each: ``inbox`` (the officer's inbox and conversation), ``unit_tickets`` (the units' ticket
queue and a ticket), ``public_lookup`` (/tiket/, for requesters, no login)."""
