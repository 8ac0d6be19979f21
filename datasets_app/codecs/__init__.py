"""Django-free text formats that imports, exports and training all read or write the same way."""
