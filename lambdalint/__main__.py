"""``python -m lambdalint`` runs the same CLI as the ``lambdalint`` script."""

from lambdalint.launch import main

if __name__ == "__main__":
    main()
