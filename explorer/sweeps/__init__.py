"""Many configurations × seeds trained together, on an executor, with statistics over seeds."""
