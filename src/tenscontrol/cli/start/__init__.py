"""``tens start`` and its parts: the command (``command``), opening the device (``device``),
the questions before a session (``prompts``), the plain and JSON printer (``printer``), the
live view (``view``, ``live``) and its keys (``keys``), and the printer threads that keep a
stuck terminal from holding up a session (``streams``)."""
