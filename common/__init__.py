"""What every app shares and no app owns: the after-commit helper and the API's error shape.

The lowest layer: it imports nothing of the project.
"""
